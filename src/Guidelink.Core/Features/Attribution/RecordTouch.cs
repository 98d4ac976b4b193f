using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Attribution;

/// <summary>Records a touch and decides who owns the customer, in one write: the customer (found or
/// created), the touch and the decision commit together or not at all. Races for the same customer are
/// settled by the database (unique identity indexes, a version check on the customer) and retried, so N
/// simultaneous touches leave exactly one owner and N−1 recorded losers.</summary>
public static class RecordTouch
{
    public sealed record Request(
        string? Code, Guid? StaffId, string? Channel, string? Method,
        string? Phone, string? UnionId, string? ExternalUserId, string? Name,
        Guid? StoreId, DateTimeOffset? OccurredAt, string? Consent,
        string? Ip = null, string? UserAgent = null);

    public sealed record DecisionView(Guid Id, bool Changed, string Reason, OwnerView? PreviousOwner, OwnerView? Owner, OwnerView? Claimant,
        int PolicyVersion, DateTimeOffset DecidedAt, DateTimeOffset? ProtectedUntil);

    public sealed record OwnerView(string Kind, Guid Id);

    public sealed record Response(Guid CustomerId, bool NewCustomer, Guid TouchId, DecisionView Decision);

    private const int MaxAttempts = 8;

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PiiProtector pii, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var now = clock.GetUtcNow();
            var errors = new FieldErrors();

            string? phone = null;
            if (request.Phone is { Length: > 0 } && !PhoneNumber.TryNormalize(request.Phone, out phone!))
                errors.Add("phone", "is not a valid mainland China mobile number.");
            if (request.Phone is not { Length: > 0 } && string.IsNullOrWhiteSpace(request.UnionId) && string.IsNullOrWhiteSpace(request.ExternalUserId))
                errors.Add("phone", "or unionId or externalUserId is required to identify the customer.");
            errors.Optional("unionId", request.UnionId, 64).Optional("externalUserId", request.ExternalUserId, 64).Optional("name", request.Name, 100);
            if (!Enum.TryParse<TouchChannel>(request.Channel, true, out var channel) || !Enum.IsDefined(channel))
                errors.Add("channel", $"must be one of {string.Join(", ", Enum.GetNames<TouchChannel>())}.");
            if (!Enum.TryParse<TouchMethod>(request.Method, true, out var method) || !Enum.IsDefined(method))
                errors.Add("method", $"must be one of {string.Join(", ", Enum.GetNames<TouchMethod>())}.");
            var at = request.OccurredAt ?? now;
            if (at > now + TimeSpan.FromMinutes(5)) errors.Add("occurredAt", "cannot be in the future.");
            if (request.Code is { Length: > 0 } && request.StaffId is not null) errors.Add("staffId", "give either a code or a staff member, not both.");
            if (errors.Any) return errors.ToOutcome<Response>();

            // Who touched: the code's owner, a named staff member, or the signed-in guide themself.
            var toucher = await ResolveToucherAsync(request, actor, errors, ct);
            if (toucher is { NotFound: true }) return Outcome<Response>.NotFound($"Referral code '{request.Code}' is not known.");
            if (errors.Any) return errors.ToOutcome<Response>();

            StoreId? store = request.StoreId is { } sid ? new StoreId(sid) : toucher?.HomeStore;
            if (request.StoreId is { } requested && !await db.Stores.AnyAsync(s => s.Id == new StoreId(requested), ct))
                return Outcome<Response>.Invalid("storeId", "does not name a store of this brand.");

            var phoneHash = phone is null ? null : pii.LookupHash(phone);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await DecideAndSaveAsync(request, toucher, channel, method, store, at, now, phone, phoneHash, actor, ct);
                }
                catch (DbUpdateException ex) when (attempt < MaxAttempts && (ex is DbUpdateConcurrencyException || DatabaseSetup.IsUniqueViolation(ex) || IsBusy(ex)))
                {
                    // Another touch created or changed this customer first: read again and decide against the new state.
                    db.ChangeTracker.Clear();
                    await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
                }
            }
        }

        private async Task<Outcome<Response>> DecideAndSaveAsync(Request request, ToucherInfo? toucher, TouchChannel channel, TouchMethod method,
            StoreId? store, DateTimeOffset at, DateTimeOffset now, string? phone, string? phoneHash, Actor actor, CancellationToken ct)
        {
            var tenant = db.TenantContext.Required;
            var customer = await FindCustomerAsync(phoneHash, request.UnionId, request.ExternalUserId, ct);
            var isNew = customer is null;
            if (customer is null)
            {
                customer = Customer.Create(tenant, store, now);
                if (phone is not null) customer.SetPhone(phoneHash!, pii.Protect(phone), PhoneNumber.Mask(phone));
                db.Customers.Add(customer);
            }
            else if (phone is not null && customer.PhoneHash is null)
            {
                customer.SetPhone(phoneHash!, pii.Protect(phone), PhoneNumber.Mask(phone));
            }
            customer.SetWeChat(request.UnionId, request.ExternalUserId);
            customer.UpdateProfile(request.Name, Gender.Unknown, null);
            if (store is { } s) customer.PlaceInStore(s);
            if (!string.IsNullOrWhiteSpace(request.Consent)) customer.RecordConsent(request.Consent.Trim(), at);

            var policy = await AttributionPolicy.InForceAsync(db, at, ct);
            var isSelf = toucher?.PhoneHash is { } ph && ph == phoneHash;
            var claim = new Claim(toucher?.Owner, toucher?.Active ?? false, isSelf, at);

            // Late input (a POS batch, a delayed callback): decide from the history as of the touch's own time,
            // and never revise the decisions recorded after it.
            // Only a time the client stated can make a touch late; a touch stamped on arrival is decided in arrival order.
            var (previous, protectedUntil, late) = isNew || request.OccurredAt is null ? (customer.Owner, customer.ProtectedUntil, false) : await StateAtAsync(customer, at, ct);
            var verdict = AttributionRules.Decide(previous, protectedUntil, claim, policy);
            string? note = null;
            if (late && verdict.Owner != previous)
            {
                note = "late input: decided as of its own time; the later decisions stand";
                verdict = verdict with { Owner = previous, ProtectedUntil = protectedUntil };
                customer.Touched();
            }
            else if (verdict.Owner != previous) customer.AssignOwner(verdict.Owner, at, verdict.ProtectedUntil);
            else if (verdict.Renewed && customer.Owner == previous) customer.RenewProtection(verdict.ProtectedUntil!.Value);
            else if (!isNew) customer.Touched();

            var touch = Touch.Create(tenant, customer.Id, toucher?.Owner, toucher?.Code, toucher?.Campaign, channel, method, store, at, now,
                actor.Name, request.Ip, request.UserAgent);
            var claimant = verdict.Owner == toucher?.Owner ? null : toucher?.Owner;
            var decision = AttributionDecision.Create(tenant, customer.Id, touch.Id, at, now, previous, verdict.Owner, claimant,
                policy.Version, verdict.Reason, late ? verdict.ProtectedUntil : customer.ProtectedUntil,
                note ?? (verdict.Renewed ? "protection renewed by the owner's own interaction" : null));
            db.Touches.Add(touch);
            db.AttributionDecisions.Add(decision);
            await db.SaveChangesAsync(ct);

            return new Response(customer.Id.Value, isNew, touch.Id, View(decision));
        }

        /// <summary>The owner and protection as of <paramref name="at"/>, from the decision history; late when
        /// decisions exist after that instant.</summary>
        private async Task<(Owner? Owner, DateTimeOffset? ProtectedUntil, bool Late)> StateAtAsync(Customer customer, DateTimeOffset at, CancellationToken ct)
        {
            var latest = await db.AttributionDecisions.Where(d => d.CustomerId == customer.Id).MaxAsync(d => (DateTimeOffset?)d.DecidedAt, ct);
            if (latest is null || latest <= at) return (customer.Owner, customer.ProtectedUntil, false);
            var asOf = await db.AttributionDecisions.Where(d => d.CustomerId == customer.Id && d.DecidedAt <= at)
                .OrderByDescending(d => d.DecidedAt).ThenByDescending(d => d.RecordedAt).FirstOrDefaultAsync(ct);
            return (asOf?.NewOwner, asOf?.ProtectedUntil, true);
        }

        private async Task<Customer?> FindCustomerAsync(string? phoneHash, string? unionId, string? externalUserId, CancellationToken ct)
        {
            if (phoneHash is not null && await db.Customers.FirstOrDefaultAsync(c => c.PhoneHash == phoneHash, ct) is { } byPhone) return byPhone;
            if (!string.IsNullOrWhiteSpace(unionId) && await db.Customers.FirstOrDefaultAsync(c => c.UnionId == unionId.Trim(), ct) is { } byUnion) return byUnion;
            if (!string.IsNullOrWhiteSpace(externalUserId) && await db.Customers.FirstOrDefaultAsync(c => c.ExternalUserId == externalUserId.Trim(), ct) is { } byExternal) return byExternal;
            return null;
        }

        private sealed record ToucherInfo(Owner Owner, bool Active, StoreId? HomeStore, string? PhoneHash, string? Code, string? Campaign, bool NotFound = false);

        private async Task<ToucherInfo?> ResolveToucherAsync(Request request, Actor actor, FieldErrors errors, CancellationToken ct)
        {
            if (request.Code is { Length: > 0 } raw)
            {
                var code = ReferralCode.Normalize(raw);
                var entry = await db.ReferralCodes.FirstOrDefaultAsync(c => c.Code == code, ct);
                if (entry is null || entry.DisabledAt is not null) return new ToucherInfo(default, false, null, null, null, null, NotFound: true);
                var info = await DescribeAsync(entry.Owner, ct);
                return info with { Code = entry.Code, Campaign = entry.Campaign };
            }
            var staffId = request.StaffId ?? (actor.Role is StaffRole.Guide or StaffRole.Installer or StaffRole.StoreManager ? actor.StaffId?.Value : null);
            if (staffId is not { } id) return null;
            // A guide touching as themself: the request's actor was just built from the database (active, placed).
            if (actor.StaffId?.Value == id && actor.Role is { } role && actor.Kind == ActorKind.Staff)
                return new ToucherInfo(new Owner(role == StaffRole.Installer ? OwnerKind.Installer : OwnerKind.OfficialGuide, id), true,
                    actor.Scope.Stores.Count > 0 ? actor.Scope.Stores.First() : null, null, null, null);
            var staff = await db.Staff.Include(s => s.Assignments).FirstOrDefaultAsync(s => s.Id == new StaffId(id), ct);
            if (staff is null || staff.Role is not (StaffRole.Guide or StaffRole.Installer or StaffRole.StoreManager))
            {
                errors.Add("staffId", "does not name a guide, store manager or installer of this brand.");
                return null;
            }
            return Describe(staff);
        }

        private async Task<ToucherInfo> DescribeAsync(Owner owner, CancellationToken ct)
        {
            if (owner.IsStaff)
            {
                var staff = await db.Staff.Include(s => s.Assignments).FirstAsync(s => s.Id == new StaffId(owner.Id), ct);
                return Describe(staff);
            }
            var partner = await db.Partners.FirstAsync(p => p.Id == new PartnerId(owner.Id), ct);
            return new ToucherInfo(partner.AsOwner, partner.Status == PartnerStatus.Active, partner.HomeStoreId, partner.PhoneHash, null, null);
        }

        private ToucherInfo Describe(Staff staff) => new(
            Owners.OfStaff(staff), staff.Status == StaffStatus.Active, staff.AssignmentAt(clock.GetUtcNow())?.StoreId, null, null, null);

        private static bool IsBusy(DbUpdateException ex) => ex.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 };
    }

    public static DecisionView View(AttributionDecision d) => new(d.Id, d.Changed, d.Reason.ToString(), OwnerOf(d.PreviousOwner), OwnerOf(d.NewOwner),
        OwnerOf(d.Claimant), d.PolicyVersion, d.DecidedAt, d.ProtectedUntil);

    private static OwnerView? OwnerOf(Owner? o) => o is { } x ? new OwnerView(x.Kind.ToString(), x.Id) : null;
}

public static class Owners
{
    public static Owner OfStaff(Staff staff) => new(staff.Role == StaffRole.Installer ? OwnerKind.Installer : OwnerKind.OfficialGuide, staff.Id.Value);
}
