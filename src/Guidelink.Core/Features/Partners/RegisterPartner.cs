using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Partners;

/// <summary>An HQ or store manager registers a partner (Pending until approved).</summary>
public static class RegisterPartner
{
    public sealed record Request(string? Kind, string? Name, string? Organization, string? Phone, Guid? HomeStoreId);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PiiProtector pii, TimeProvider clock)
    {
        public async Task<Outcome<PartnerView>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current!;
            var errors = new FieldErrors().Required("name", request.Name, 100).Optional("organization", request.Organization, 100);
            if (!Enum.TryParse<PartnerKind>(request.Kind, true, out var kind) || !Enum.IsDefined(kind))
                errors.Add("kind", $"must be one of {string.Join(", ", Enum.GetNames<PartnerKind>())}.");
            string? phone = null;
            if (request.Phone is { Length: > 0 } && !PhoneNumber.TryNormalize(request.Phone, out phone!))
                errors.Add("phone", "is not a valid mainland China mobile number.");
            Organization.Store? store = null;
            if (request.HomeStoreId is not { } sid) errors.Add("homeStoreId", "is required.");
            else if ((store = await db.FindVisibleStoreAsync(actor.Scope, sid, ct)) is null) errors.Add("homeStoreId", "does not name a store you manage.");
            if (errors.Any) return errors.ToOutcome<PartnerView>();

            var partner = Partner.Register(db.TenantContext.Required, kind, request.Name!, request.Organization, store!.Id, clock.GetUtcNow());
            if (phone is not null)
            {
                var hash = pii.LookupHash(phone);
                if (await db.Partners.AnyAsync(p => p.PhoneHash == hash, ct)) return Outcome<PartnerView>.Conflict("A partner with this phone number already exists.");
                partner.SetPhone(hash, PhoneNumber.Mask(phone));
            }
            db.Partners.Add(partner);
            try { await db.SaveChangesAsync(ct); }
            catch (DbUpdateException ex) when (DatabaseSetup.IsUniqueViolation(ex))
            {
                return Outcome<PartnerView>.Conflict("A partner with this phone number already exists.");
            }
            return PartnerView.Of(partner);
        }
    }
}

public sealed record PartnerView(Guid Id, PartnerKind Kind, string Name, string? Organization, string? Phone, Guid HomeStoreId, PartnerStatus Status, DateTimeOffset CreatedAt)
{
    /// <summary>Partners' phones are always shown masked.</summary>
    public static PartnerView Of(Partner p) => new(p.Id.Value, p.Kind, p.Name, p.Organization, p.PhoneMasked, p.HomeStoreId.Value, p.Status, p.CreatedAt);
}
