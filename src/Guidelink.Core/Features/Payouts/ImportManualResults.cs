using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Payouts;

/// <summary>The bank's result file for Manual payouts: one line per bill, <c>out_bill_no,SUCCESS|FAIL[,reason]</c>
/// (a header line is skipped). Errors name the line by its number in the file: <c>lines[3]</c> is the third line. The whole file is checked first — a bad line rejects the file, naming the line, and
/// nothing is applied; then each line is applied like a provider answer, so uploading the same file twice changes
/// nothing the second time, and a contradiction (SUCCESS for a bill already failed) goes to the mismatch report.</summary>
public static class ImportManualResults
{
    public sealed record Response(int Lines, int Applied, int Unchanged, int Mismatches);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, ApplyTransferResult.Handler apply, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(string file, CancellationToken ct)
        {
            if (actors.Current?.Has(Permissions.PayoutsApprove) != true) return Outcome<Response>.Forbidden("Marking payouts paid needs payouts.approve.");
            var errors = new FieldErrors();
            var results = new List<TransferResult>();
            var lines = file.Replace("\r", "", StringComparison.Ordinal).Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0 || (i == 0 && line.StartsWith("out_bill_no", StringComparison.OrdinalIgnoreCase))) continue;
                var cells = line.Split(',', 3);
                var bill = cells[0].Trim().Trim('"');
                var result = cells.Length > 1 ? cells[1].Trim().Trim('"').ToUpperInvariant() : "";
                var reason = cells.Length > 2 ? cells[2].Trim().Trim('"') : null;
                if (result is not ("SUCCESS" or "FAIL")) { errors.Add($"lines[{i + 1}]", "the result must be SUCCESS or FAIL."); continue; }
                var payout = await db.Payouts.AsNoTracking().Where(p => p.OutBillNo == bill).Select(p => new { p.Provider }).FirstOrDefaultAsync(ct);
                if (payout is null) { errors.Add($"lines[{i + 1}]", $"no payout has bill number '{(bill.Length > 40 ? bill[..40] : bill)}'."); continue; }
                if (payout.Provider != PayoutSettings.Manual) { errors.Add($"lines[{i + 1}]", "is not a Manual payout."); continue; }
                results.Add(new TransferResult(bill, result == "SUCCESS" ? TransferState.Success : TransferState.Fail,
                    FailReason: result == "FAIL" ? (string.IsNullOrWhiteSpace(reason) ? "BANK_FAIL" : reason) : null));
            }
            if (errors.Any) return errors.ToOutcome<Response>();
            if (results.Count == 0) return Outcome<Response>.Invalid("file", "has no result lines.");

            int applied = 0, unchanged = 0, mismatches = 0;
            foreach (var r in results)
                switch (await apply.HandleAsync(r, "bank-file", ct))
                {
                    case ApplyTransferResult.Applied.Moved: applied++; break;
                    case ApplyTransferResult.Applied.Mismatch: mismatches++; break;
                    default: unchanged++; break;
                }
            db.ChangeTracker.Clear();
            AuditLog.Add(db, actors.Current, clock.GetUtcNow(), "Payout.BankResultImported", nameof(Payout), "bank-file", null,
                new { Lines = results.Count, Applied = applied, Unchanged = unchanged, Mismatches = mismatches });
            await db.SaveChangesAsync(ct);
            return new Response(results.Count, applied, unchanged, mismatches);
        }
    }
}
