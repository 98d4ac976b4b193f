using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>An earner asks to withdraw part of their Available balance. The gross moves to Withdrawing at once; tax
/// and fee are computed on the gross now (half up) and never recomputed; under the auto-approval threshold the
/// payout is approved at once (its bill number fixed) and the sender job pays it. Idempotent by <c>key</c>.</summary>
public static class RequestWithdrawal
{
    public sealed record Request(decimal? Amount, string? Key);

    public sealed record Response(Guid Id, string Status, long GrossFen, long TaxFen, long FeeFen, long NetFen, int ApprovalsRequired,
        string? OutBillNo, bool Replayed);

    public static Response ToResponse(Payout p, bool replayed) =>
        new(p.Id, p.Status.ToString(), p.GrossFen, p.TaxFen, p.FeeFen, p.NetFen, p.ApprovalsRequired, p.OutBillNo, replayed);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(Request request, CancellationToken ct)
        {
            var actor = actors.Current;
            if (await PayoutLedger.EarnerOfAsync(db, actor, ct) is not { } earner)
                return Outcome<Response>.Forbidden("Only an earner (a partner, a guide or an installer) can withdraw.");
            var errors = new FieldErrors();
            var key = request.Key?.Trim();
            errors.Optional("key", key, 64);
            long gross = 0;
            if (request.Amount is not { } amount) errors.Add("amount", "is required (yuan, e.g. 120.50).");
            else if (!OrderMoney.TryToFen(amount, out gross)) errors.Add("amount", "has more than 2 decimals.");
            if (errors.Any) return errors.ToOutcome<Response>();

            var holder = Earner.HolderOf(earner.Kind, earner.Id);
            if (!string.IsNullOrEmpty(key) && await db.Payouts.AsNoTracking().FirstOrDefaultAsync(p => p.Holder == holder && p.RequestKey == key, ct) is { } previous)
                return previous.GrossFen == gross ? ToResponse(previous, true) : Outcome<Response>.Conflict($"Withdrawal '{key}' was already requested with another amount.");

            var settings = await db.PayoutSettings.AsNoTracking().SingleOrDefaultAsync(ct) ?? PayoutSettings.Default(db.TenantContext.Required);
            if (gross < settings.MinimumFen) return Outcome<Response>.Invalid("amount", $"must be at least {OrderMoney.Show(settings.MinimumFen)}.");
            var (tax, fee) = settings.Deductions(gross, PayoutLedger.IsPartner(earner.Kind));
            if (gross - tax - fee <= 0) return Outcome<Response>.Invalid("amount", "leaves nothing to transfer after tax and fee.");

            var partner = PayoutLedger.IsPartner(earner.Kind) ? await db.Partners.AsNoTracking().FirstOrDefaultAsync(p => p.Id == new PartnerId(earner.Id), ct) : null;
            if (settings.Provider == PayoutSettings.WeChatPayTransfer && partner?.WeChatOpenId is null)
                return Outcome<Response>.Invalid("wechat", "bind your WeChat first: transfers are paid to your WeChat wallet.");
            if (settings.Provider == PayoutSettings.WeChatPayTransfer && gross - tax - fee >= PayoutSettings.RealNameThresholdFen && partner?.RealName is null)
                return Outcome<Response>.Invalid("realName", $"is required for transfers from {OrderMoney.Show(PayoutSettings.RealNameThresholdFen)}.");

            var now = clock.GetUtcNow();
            for (var attempt = 0; ; attempt++)
            {
                db.ChangeTracker.Clear();
                var ledger = new LedgerBook(db);
                // The chain head is read BEFORE the balance: a withdrawal racing this one either committed before (and is in
                // the balance read next) or appends to the same chain position and makes one of the two fail on the unique
                // (holder, seq) index — so two requests can never both spend the same money.
                await ledger.LoadHeadsAsync([holder], ct);
                var available = (await LedgerBook.BalancesAsync(db, holder, null, ct)).GetValueOrDefault(LedgerBucket.Available);
                if (gross > available) return Outcome<Response>.Invalid("amount", $"is more than the {OrderMoney.Show(Math.Max(available, 0))} available.");
                if (settings.DailyCapFen is { } cap)
                {
                    var zone = actor!.BrandZone;
                    var local = TimeZoneInfo.ConvertTime(now, zone);
                    var dayStart = new DateTimeOffset(local.Date, zone.GetUtcOffset(local.Date)).ToUniversalTime();
                    var today = await db.Payouts.AsNoTracking()
                        .Where(p => p.Holder == holder && p.RequestedAt >= dayStart && p.Status != PayoutStatus.Rejected && p.Status != PayoutStatus.Fail && p.Status != PayoutStatus.Cancelled)
                        .SumAsync(p => p.GrossFen, ct);
                    if (today + gross > cap)
                        return Outcome<Response>.Invalid("amount", $"exceeds today's limit of {OrderMoney.Show(cap)} ({OrderMoney.Show(Math.Max(cap - today, 0))} left).");
                }

                var payout = Payout.Request(db.TenantContext.Required, earner.Kind, earner.Id, string.IsNullOrEmpty(key) ? null : key, gross, tax, fee,
                    settings.Provider, actor!.AuditId, settings.ApprovalsFor(gross), now);
                if (payout.ApprovalsRequired == 0) payout.AutoApprove(now);
                db.Payouts.Add(payout);
                await ledger.PostAsync(PayoutLedger.RequestKey(payout.Id), "Payout", null, now, now, PayoutLedger.Request(payout), ct);
                AuditLog.Add(db, actor, now, "Payout.Requested", nameof(Payout), payout.Id.ToString(), null,
                    new { payout.Holder, payout.GrossFen, payout.TaxFen, payout.FeeFen, payout.NetFen, Status = payout.Status.ToString(), payout.OutBillNo });
                try
                {
                    await db.SaveChangesAsync(ct);
                    return ToResponse(payout, false);
                }
                catch (DbUpdateException ex) when (DatabaseSetup.IsUniqueViolation(ex))
                {
                    // A racing request took the chain position (or the same key): decide again from what is committed now.
                    if (attempt >= 5) return Outcome<Response>.Conflict("Another withdrawal was being recorded at the same moment; send it again.");
                    if (!string.IsNullOrEmpty(key) && await db.Payouts.AsNoTracking().FirstOrDefaultAsync(p => p.Holder == holder && p.RequestKey == key, ct) is { } first)
                        return first.GrossFen == gross ? ToResponse(first, true) : Outcome<Response>.Conflict($"Withdrawal '{key}' was already requested with another amount.");
                    await Task.Delay(Random.Shared.Next(5, 30), ct);
                }
            }
        }
    }
}
