using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Demo;

/// <summary>The demo brand's payouts, so "my earnings" and the Finance queue show every kind of row on first start:
/// the Manual provider (a demo cannot reach WeChat Pay), one withdrawal paid out through the bank file, one that the
/// bank failed (money back to Available), one approved and waiting for the next bank file, and one waiting for
/// Finance. Everything goes through the real use cases as the partner and as demo-finance, so the ledger and the
/// audit log are the ones the product would have written. Does nothing if the brand already has payouts.</summary>
public static class SeedDemoPayouts
{
    public sealed record Response(int Withdrawals);

    public sealed class Handler(GuidelinkDb db, TenantContext tenantContext, ActorContext actors, SavePayoutSettings.Handler saveSettings,
        RequestWithdrawal.Handler request, DecidePayout.Handler decide, ExportManualPayouts.Handler export, ImportManualResults.Handler import,
        TimeProvider clock)
    {
        public async Task<Response> HandleAsync(TenantId tenant, CancellationToken ct)
        {
            tenantContext.Set(tenant);
            var system = Actor.System(tenant, "demo-seed");
            actors.Current = system;
            if (await db.Payouts.AnyAsync(ct)) return new Response(0);
            var financeStaff = await db.UserAccounts.AsNoTracking().Where(u => u.LoginName == "demo-finance").Select(u => u.StaffId).FirstOrDefaultAsync(ct);
            if (financeStaff is not { } financeId) return new Response(0);

            // Manual: bank file out, bank result in. Auto-approved under ¥500, two approvers from ¥5,000 (the defaults).
            Check(await saveSettings.HandleAsync(new SavePayoutSettings.Request(PayoutSettings.Manual, 1m, 0, 20_000m, 0, 0m, 500m, 5_000m, null), ct));

            // The partners with the most Available money, demo-partner first (it is the login people try).
            var demoPartner = await db.UserAccounts.AsNoTracking().Where(u => u.LoginName == SeedDemoBrand.PartnerLogin).Select(u => u.PartnerId).FirstOrDefaultAsync(ct);
            var partners = await db.Partners.AsNoTracking().Where(p => p.Status == PartnerStatus.Active).ToListAsync(ct);
            var available = new List<(Partner Partner, long Fen)>();
            foreach (var p in partners)
            {
                var balance = (await LedgerBook.BalancesAsync(db, Earner.HolderOf(Earner.KindOf(p.AsOwner.Kind), p.Id.Value), null, ct)).GetValueOrDefault(LedgerBucket.Available);
                if (balance >= 10_000) available.Add((p, balance));
            }
            var ranked = available.OrderByDescending(a => a.Partner.Id == demoPartner).ThenByDescending(a => a.Fen).Take(3).ToList();
            if (ranked.Count == 0) return new Response(0);

            var now = clock.GetUtcNow();
            var count = 0;
            async Task<RequestWithdrawal.Response> Withdraw(Partner partner, long fen, string key)
            {
                actors.Current = await ActorFactory.ForPartnerAsync(db, tenant, partner.Id, ct)
                    ?? throw new InvalidOperationException($"Demo partner {partner.Name} cannot act.");
                var outcome = await request.HandleAsync(new RequestWithdrawal.Request(fen / 100m, key), ct);
                db.ChangeTracker.Clear();
                count++;
                return Check(outcome);
            }
            // Whole yuan, at most ¥480 so it is approved at once: the bank file pays it.
            static long Part(long fen, int percent) => Math.Min(fen * percent / 100 / 100 * 100, 48_000);

            var (first, firstFen) = ranked[0];
            var paidFen = Part(firstFen, 40);
            var paid = await Withdraw(first, paidFen, "demo-1");
            RequestWithdrawal.Response? failed = null;
            if (ranked.Count > 1) failed = await Withdraw(ranked[1].Partner, Part(ranked[1].Fen, 30), "demo-2");

            // Finance exports the bank file and uploads the bank's answer: one paid, one refused by the bank.
            actors.Current = await ActorFactory.ForStaffAsync(db, tenant, financeId, now, ct) ?? system;
            Check(await export.HandleAsync(false, ct));
            db.ChangeTracker.Clear();
            var result = $"out_bill_no,result,reason\n{paid.OutBillNo},SUCCESS\n" + (failed is null ? "" : $"{failed.OutBillNo},FAIL,收款账户户名不符\n");
            Check(await import.HandleAsync(result, ct));
            db.ChangeTracker.Clear();

            // After the bank file: a larger request that Finance approved (waits for the next file) and one still waiting.
            if (ranked.Count > 2)
            {
                // 60% of the balance in whole yuan, at most ¥1,500: usually above ¥500, so Finance approves it.
                var approved = await Withdraw(ranked[2].Partner, Math.Min(ranked[2].Fen * 60 / 100 / 100 * 100, 150_000), "demo-3");
                actors.Current = await ActorFactory.ForStaffAsync(db, tenant, financeId, now, ct) ?? system;
                if (approved.Status == nameof(PayoutStatus.AwaitingApproval)) Check(await decide.HandleAsync(new DecidePayout.Request(approved.Id, true, null), ct));
                db.ChangeTracker.Clear();
            }
            // demo-partner's second request: ¥600 when the balance allows (above the auto-approval threshold: it waits for
            // Finance in the queue), else half of what is left.
            var left = firstFen - paidFen;
            var pendingFen = left >= 60_000 ? 60_000 : left / 2 / 100 * 100;
            if (pendingFen >= 100) await Withdraw(first, pendingFen, "demo-4");
            actors.Current = system;
            return new Response(count);
        }

        private static T Check<T>(Outcome<T> outcome) => outcome.IsOk
            ? outcome.Value!
            : throw new InvalidOperationException($"Demo payout step failed: {outcome.Detail} {string.Join("; ", outcome.Errors.SelectMany(e => e.Value))}");
    }
}
