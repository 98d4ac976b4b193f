using Guidelink.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Testing;

/// <summary>The links inside an aggregate that the database does not enforce (docs/decisions/0009), checked from the rows:
/// every order line and commission line has its order, every ledger entry its posting, and every posting sums to zero.
/// Tests that write orders, settle, refund or pay out end with this.</summary>
public static class AggregateLinks
{
    public static async Task<List<string>> ProblemsAsync(GuidelinkDb db, CancellationToken ct)
    {
        var orders = db.Orders.IgnoreQueryFilters();
        var postings = db.LedgerPostings.IgnoreQueryFilters();
        var problems = new List<string>();
        problems.AddRange((await db.OrderLines.IgnoreQueryFilters()
                .Where(l => !orders.Any(o => o.TenantId == l.TenantId && o.Id == l.OrderId)).Select(l => l.OrderId).Distinct().ToListAsync(ct))
            .Select(id => $"order lines of a missing order {id}"));
        problems.AddRange((await db.CommissionLines.IgnoreQueryFilters()
                .Where(c => !orders.Any(o => o.TenantId == c.TenantId && o.Id == c.OrderId)).Select(c => c.OrderId).Distinct().ToListAsync(ct))
            .Select(id => $"commission lines of a missing order {id}"));
        problems.AddRange((await db.LedgerEntries.IgnoreQueryFilters()
                .Where(e => !postings.Any(p => p.TenantId == e.TenantId && p.Id == e.PostingId)).Select(e => e.PostingId).Distinct().ToListAsync(ct))
            .Select(id => $"ledger entries of a missing posting {id}"));
        problems.AddRange((await db.LedgerEntries.IgnoreQueryFilters().GroupBy(e => e.PostingId)
                .Where(g => g.Sum(e => e.AmountFen) != 0).Select(g => g.Key).ToListAsync(ct))
            .Select(id => $"posting {id} does not sum to zero"));
        return problems;
    }
}
