using System.Globalization;
using System.Text;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>The bank-transfer file (CSV, UTF-8) of Manual payouts waiting to be paid. Exported bills move to
/// Processing, so the next export does not list them again (a bank must not get the same bill twice); <c>again</c>
/// re-exports the bills already in a file that has no result yet.</summary>
public static class ExportManualPayouts
{
    public const string Header = "out_bill_no,payee,earner,amount,gross,tax,fee";

    public sealed record Response(int Count, string Csv);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, PayoutSecrets secrets, ApplyTransferResult.Handler apply, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(bool again, CancellationToken ct)
        {
            if (actors.Current?.Has(Permissions.PayoutsApprove) != true) return Outcome<Response>.Forbidden("Exporting payouts needs payouts.approve.");
            var rows = await db.Payouts.AsNoTracking()
                .Where(p => p.Provider == PayoutSettings.Manual && (p.Status == PayoutStatus.Accepted || (again && p.Status == PayoutStatus.Processing)))
                .OrderBy(p => p.RequestedAt).Take(5000).ToListAsync(ct);
            var partnerIds = rows.Where(p => PayoutLedger.IsPartner(p.EarnerKind)).Select(p => new PartnerId(p.EarnerId)).Distinct().ToList();
            var partners = await db.Partners.AsNoTracking().Where(p => partnerIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id.Value, ct);
            var staffIds = rows.Where(p => !PayoutLedger.IsPartner(p.EarnerKind)).Select(p => new StaffId(p.EarnerId)).Distinct().ToList();
            var staff = await db.Staff.AsNoTracking().Where(s => staffIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id.Value, s => s.Name, ct);

            var csv = new StringBuilder(Header).Append('\n');
            foreach (var p in rows)
            {
                var payee = partners.TryGetValue(p.EarnerId, out var partner)
                    ? partner.RealName is { } cipher ? secrets.UnprotectRealName(cipher) : partner.Name
                    : staff.GetValueOrDefault(p.EarnerId, "");
                csv.Append(p.OutBillNo).Append(',').Append(Cell(payee)).Append(',').Append(p.Holder).Append(',')
                    .Append(Yuan(p.NetFen)).Append(',').Append(Yuan(p.GrossFen)).Append(',').Append(Yuan(p.TaxFen)).Append(',').Append(Yuan(p.FeeFen)).Append('\n');
            }
            foreach (var p in rows.Where(p => p.Status == PayoutStatus.Accepted))
                await apply.HandleAsync(new TransferResult(p.OutBillNo!, TransferState.Processing), "bank-file", ct);
            db.ChangeTracker.Clear();
            AuditLog.Add(db, actors.Current, clock.GetUtcNow(), "Payout.Exported", nameof(Payout), "bank-file", null,
                new { Count = rows.Count, Again = again, TotalFen = rows.Sum(p => p.NetFen), Bills = rows.Select(p => p.OutBillNo).ToList() });
            await db.SaveChangesAsync(ct);
            return new Response(rows.Count, csv.ToString());
        }

        private static string Yuan(long fen) => (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);

        /// <summary>Quotes a cell and defuses spreadsheet formulas (a name starting with = + - @).</summary>
        private static string Cell(string value)
        {
            if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal)) value = "'" + value;
            return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }
    }
}
