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
            var errors = new FieldErrors();
            if (Check(request, clock.GetUtcNow(), pii, errors) is not { } touch) return errors.ToOutcome<Response>();
            return await HandleAsync(touch, ct);
        }

        /// <summary>Records a touch already checked (by <see cref="Check"/>): the one-by-one path, also the writer's fallback.</summary>
        public async Task<Outcome<Response>> HandleAsync(Checked touch, CancellationToken ct)
        {
            var actor = actors.Current!;
            var request = touch.Request;
            var errors = new FieldErrors();

            // Who touched: the code's owner, a named staff member, or the signed-in guide themself.
            var toucher = await ResolveToucherAsync(request, actor, errors, ct);
            if (toucher is { NotFound: true }) return Outcome<Response>.NotFound(CodeNotFound(request));
            if (errors.Any) return errors.ToOutcome<Response>();

            StoreId? store = request.StoreId is { } sid ? new StoreId(sid) : toucher?.HomeStore;
            if (request.StoreId is { } requested && !await db.Stores.AnyAsync(s => s.Id == new StoreId(requested), ct))
                return Outcome<Response>.Invalid("storeId", StoreNotFound);

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await DecideAndSaveAsync(touch, toucher, store, actor, ct);
                }
                catch (DbUpdateException ex) when (attempt < MaxAttempts && IsRace(ex))
                {
                    // Another touch created or changed this customer first: read again and decide against the new state.
                    db.ChangeTracker.Clear();
                    await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
                }
            }
        }

        private async Task<Outcome<Response>> DecideAndSaveAsync(Checked touch, ToucherInfo? toucher, StoreId? store, Actor actor, CancellationToken ct)
        {
            var tenant = db.TenantContext.Required;
            var request = touch.Request;
            var found = await FindCustomerAsync(touch.PhoneHash, request.UnionId, request.ExternalUserId, ct);
            var customer = Identify(found, tenant, touch, store, pii);
            if (found is null) db.Customers.Add(customer);

            var policy = await AttributionPolicy.InForceAsync(db, touch.At, ct);
            var state = found is null || request.OccurredAt is null
                ? (customer.Owner, customer.ProtectedUntil, false)
                : await StateAtAsync(customer, touch.At, ct);
            var (record, decision) = Decide(customer, isNew: found is null, touch, toucher, store, policy, state, actor);
            db.Touches.Add(record);
            db.AttributionDecisions.Add(decision);
            await db.SaveChangesAsync(ct);

            return new Response(customer.Id.Value, found is null, record.Id, View(decision));
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

        private async Task<ToucherInfo?> ResolveToucherAsync(Request request, Actor actor, FieldErrors errors, CancellationToken ct)
        {
            if (request.Code is { Length: > 0 } raw)
            {
                var code = ReferralCode.Normalize(raw);
                var entry = await db.ReferralCodes.FirstOrDefaultAsync(c => c.Code == code, ct);
                if (entry is null || entry.DisabledAt is not null) return ToucherInfo.UnknownCode;
                var info = await DescribeAsync(entry.Owner, ct);
                return info with { Code = entry.Code, Campaign = entry.Campaign };
            }
            if (StaffToucherId(request, actor) is not { } id) return null;
            if (AsActor(actor, id) is { } self) return self;
            var staff = await db.Staff.Include(s => s.Assignments).FirstOrDefaultAsync(s => s.Id == new StaffId(id), ct);
            if (staff is null || !CanTouch(staff))
            {
                errors.Add("staffId", StaffNotValid);
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
            return DescribePartner(partner);
        }

        private ToucherInfo Describe(Staff staff) => DescribeStaff(staff, clock.GetUtcNow());
    }

    /// <summary>A request that passed validation: its channel and method parsed, its own time, and the phone
    /// normalised with its lookup hash. Computed before any database work (in the request, for the writer).</summary>
    public sealed record Checked(Request Request, TouchChannel Channel, TouchMethod Method, DateTimeOffset At, DateTimeOffset Now, string? Phone, string? PhoneHash)
    {
        public string? UnionId => string.IsNullOrWhiteSpace(Request.UnionId) ? null : Request.UnionId.Trim();
        public string? ExternalUserId => string.IsNullOrWhiteSpace(Request.ExternalUserId) ? null : Request.ExternalUserId.Trim();
    }

    /// <summary>Who touched, as the rules need it.</summary>
    public sealed record ToucherInfo(Owner Owner, bool Active, StoreId? HomeStore, string? PhoneHash, string? Code, string? Campaign, bool NotFound = false)
    {
        public static readonly ToucherInfo UnknownCode = new(default, false, null, null, null, null, NotFound: true);
    }

    internal const string StaffNotValid = "does not name a guide, store manager or installer of this brand.";
    internal const string StoreNotFound = "does not name a store of this brand.";

    internal static string CodeNotFound(Request request) => $"Referral code '{request.Code}' is not known.";

    /// <summary>Validates the fields that need no database; null (and the field errors) when one is wrong.</summary>
    public static Checked? Check(Request request, DateTimeOffset now, PiiProtector pii, FieldErrors errors)
    {
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
        if (errors.Any) return null;
        return new Checked(request, channel, method, at, now, phone, phone is null ? null : pii.LookupHash(phone));
    }

    /// <summary>The staff member a touch without a code names: the one given, else the signed-in guide, installer or store manager.</summary>
    internal static Guid? StaffToucherId(Request request, Actor actor) =>
        request.StaffId ?? (actor.Role is StaffRole.Guide or StaffRole.Installer or StaffRole.StoreManager ? actor.StaffId?.Value : null);

    /// <summary>A guide touching as themself: the request's actor was just built from the database (active, placed).</summary>
    internal static ToucherInfo? AsActor(Actor actor, Guid staffId) =>
        actor.StaffId?.Value == staffId && actor.Role is { } role && actor.Kind == ActorKind.Staff
            ? new ToucherInfo(new Owner(role == StaffRole.Installer ? OwnerKind.Installer : OwnerKind.OfficialGuide, staffId), true,
                actor.Scope.Stores.Count > 0 ? actor.Scope.Stores.First() : null, null, null, null)
            : null;

    internal static bool CanTouch(Staff staff) => staff.Role is StaffRole.Guide or StaffRole.Installer or StaffRole.StoreManager;

    internal static ToucherInfo DescribeStaff(Staff staff, DateTimeOffset now) => new(
        Owners.OfStaff(staff), staff.Status == StaffStatus.Active, staff.AssignmentAt(now)?.StoreId, null, null, null);

    internal static ToucherInfo DescribePartner(Partner partner) =>
        new(partner.AsOwner, partner.Status == PartnerStatus.Active, partner.HomeStoreId, partner.PhoneHash, null, null);

    /// <summary>The customer the touch is about: the one found by identity, updated with what the touch tells
    /// (phone if missing, WeChat ids, name, first store, consent), or a new one. The caller adds a new one to the context.</summary>
    internal static Customer Identify(Customer? found, TenantId tenant, Checked touch, StoreId? store, PiiProtector pii)
    {
        var request = touch.Request;
        var customer = found ?? Customer.Create(tenant, store, touch.Now);
        if (touch.Phone is { } phone && customer.PhoneHash is null) customer.SetPhone(touch.PhoneHash!, pii.Protect(phone), PhoneNumber.Mask(phone));
        customer.SetWeChat(request.UnionId, request.ExternalUserId);
        customer.UpdateProfile(request.Name, Gender.Unknown, null);
        if (store is { } s) customer.PlaceInStore(s);
        if (!string.IsNullOrWhiteSpace(request.Consent)) customer.RecordConsent(request.Consent.Trim(), touch.At);
        return customer;
    }

    /// <summary>Decides the owner (<see cref="AttributionRules"/>) from <paramref name="state"/> — the customer's owner and
    /// protection now, or as of the touch's own time for late input — applies it to the customer and returns the touch
    /// and decision to insert. No database: both the one-by-one handler and the batching writer call it.</summary>
    internal static (Touch Touch, AttributionDecision Decision) Decide(Customer customer, bool isNew, Checked touch, ToucherInfo? toucher, StoreId? store,
        AttributionPolicy policy, (Owner? Owner, DateTimeOffset? ProtectedUntil, bool Late) state, Actor actor)
    {
        var tenant = customer.TenantId;
        var at = touch.At;
        var isSelf = toucher?.PhoneHash is { } ph && ph == touch.PhoneHash;
        var claim = new Claim(toucher?.Owner, toucher?.Active ?? false, isSelf, at);

        // Late input (a POS batch, a delayed callback): decide from the history as of the touch's own time,
        // and never revise the decisions recorded after it.
        // Only a time the client stated can make a touch late; a touch stamped on arrival is decided in arrival order.
        var (previous, protectedUntil, late) = state;
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

        var record = Touch.Create(tenant, customer.Id, toucher?.Owner, toucher?.Code, toucher?.Campaign, touch.Channel, touch.Method, store, at, touch.Now,
            actor.Name, touch.Request.Ip, touch.Request.UserAgent);
        var claimant = verdict.Owner == toucher?.Owner ? null : toucher?.Owner;
        var decision = AttributionDecision.Create(tenant, customer.Id, record.Id, at, touch.Now, previous, verdict.Owner, claimant,
            policy.Version, verdict.Reason, late ? verdict.ProtectedUntil : customer.ProtectedUntil,
            note ?? (verdict.Renewed ? "protection renewed by the owner's own interaction" : null));
        return (record, decision);
    }

    /// <summary>The owner and protection as of <paramref name="at"/>, from the customer's decision history (in memory); late
    /// when decisions exist after that instant. The same answer as the handler's two queries.</summary>
    internal static (Owner? Owner, DateTimeOffset? ProtectedUntil, bool Late) StateAt(Customer customer, DateTimeOffset at, IReadOnlyList<AttributionDecision> history)
    {
        if (history.Count == 0 || history.Max(d => d.DecidedAt) <= at) return (customer.Owner, customer.ProtectedUntil, false);
        var asOf = history.Where(d => d.DecidedAt <= at).OrderByDescending(d => d.DecidedAt).ThenByDescending(d => d.RecordedAt).FirstOrDefault();
        return (asOf?.NewOwner, asOf?.ProtectedUntil, true);
    }

    /// <summary>A lost race for a customer (created or changed by another touch first), or SQLite's lock: worth deciding again.</summary>
    internal static bool IsRace(DbUpdateException ex) =>
        ex is DbUpdateConcurrencyException || DatabaseSetup.IsUniqueViolation(ex) || ex.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 };

    public static DecisionView View(AttributionDecision d) => new(d.Id, d.Changed, d.Reason.ToString(), OwnerOf(d.PreviousOwner), OwnerOf(d.NewOwner),
        OwnerOf(d.Claimant), d.PolicyVersion, d.DecidedAt, d.ProtectedUntil);

    private static OwnerView? OwnerOf(Owner? o) => o is { } x ? new OwnerView(x.Kind.ToString(), x.Id) : null;
}

public static class Owners
{
    public static Owner OfStaff(Staff staff) => new(staff.Role == StaffRole.Installer ? OwnerKind.Installer : OwnerKind.OfficialGuide, staff.Id.Value);
}
