using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>The ledger side of payouts. Each movement has its own posting key, so it can happen once per payout
/// whatever retries, duplicate notifications or racing servers do: "payout:{id}:request" (Available → Withdrawing),
/// "payout:{id}:{state}" for every provider state reached, and one of "payout:{id}:Success" (Withdrawing → PaidOut,
/// tax and fee to the brand) or "payout:{id}:return" (Withdrawing → Available, no fee), never both: a final state is
/// never left.</summary>
public static class PayoutLedger
{
    public static string RequestKey(Guid payout) => $"payout:{payout}:request";
    public static string StateKey(Guid payout, PayoutStatus status) => $"payout:{payout}:{status}";
    public static string ReturnKey(Guid payout) => $"payout:{payout}:return";

    public static IReadOnlyList<Movement> Request(Payout p) =>
    [
        new(p.Holder, LedgerBucket.Available, -p.GrossFen, "withdrawal requested"),
        new(p.Holder, LedgerBucket.Withdrawing, p.GrossFen, "withdrawal requested"),
    ];

    /// <summary>On success the statement shows gross, tax, fee and net: the gross leaves Withdrawing into PaidOut, then
    /// tax and fee leave PaidOut for the brand's accounts, so PaidOut holds exactly what reached the wallet.</summary>
    public static IReadOnlyList<Movement> Paid(Payout p) =>
    [
        new(p.Holder, LedgerBucket.Withdrawing, -p.GrossFen, "withdrawal paid (gross)"),
        new(p.Holder, LedgerBucket.PaidOut, p.GrossFen, "withdrawal paid (gross)"),
        new(p.Holder, LedgerBucket.PaidOut, -p.TaxFen, "tax withheld"),
        new(Earner.Brand, LedgerBucket.TaxWithheld, p.TaxFen, "tax withheld"),
        new(p.Holder, LedgerBucket.PaidOut, -p.FeeFen, "withdrawal fee"),
        new(Earner.Brand, LedgerBucket.FeeIncome, p.FeeFen, "withdrawal fee"),
    ];

    /// <summary>Rejected, failed or cancelled: everything returns to Available; no fee, no tax.</summary>
    public static IReadOnlyList<Movement> Return(Payout p, string reason) =>
    [
        new(p.Holder, LedgerBucket.Withdrawing, -p.GrossFen, reason),
        new(p.Holder, LedgerBucket.Available, p.GrossFen, reason),
    ];

    /// <summary>The earner an actor withdraws for: a partner, or a guide or installer who has earnings of their own.</summary>
    public static async Task<(EarnerKind Kind, Guid Id)?> EarnerOfAsync(GuidelinkDb db, Actor? actor, CancellationToken ct)
    {
        if (actor?.PartnerId is { } partnerId)
        {
            var partner = await db.Partners.AsNoTracking().FirstOrDefaultAsync(p => p.Id == partnerId, ct);
            return partner is null ? null : (Earner.KindOf(partner.AsOwner.Kind), partnerId.Value);
        }
        if (actor is { Kind: ActorKind.Staff, StaffId: { } staffId } && actor.Has(Permissions.EarningsOwn))
            return (actor.Role == StaffRole.Installer ? EarnerKind.Installer : EarnerKind.OfficialGuide, staffId.Value);
        return null;
    }

    public static bool IsPartner(EarnerKind kind) => kind is EarnerKind.PartTimeGuide or EarnerKind.ShareAmbassador or EarnerKind.AllianceStore;
}
