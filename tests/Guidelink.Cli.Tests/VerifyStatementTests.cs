using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Catalog;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Tests;

/// <summary>`guidelink verify-statement NEW --since OLD` holds for an untouched history and fails, naming the first
/// mismatch, for a tampered amount, a deleted entry, and a chain rewritten with recomputed hashes (which checks on its
/// own but not against the head the earner already holds).</summary>
public sealed class VerifyStatementTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "guidelink-verify", Guid.NewGuid().ToString("N"));
    private TestDatabase _database = default!;
    private TestServices _services = default!;
    private TenantId _tenant;
    private string _holder = "";
    private StoreId _store;
    private CustomerId _customer;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        (await CliRunner.RunAsync(_database, "seed", "demo", "--org-only")).ExitCode.ShouldBe(0);
        await using (var platform = _database.NewContext())
            _tenant = await platform.Tenants.Where(t => t.Slug == SeedDemoBrand.Slug).Select(t => t.Id).FirstAsync(Ct);
        _services = new TestServices(_database);
        var now = DateTimeOffset.UtcNow;
        await using var scope = _services.ScopeFor(_tenant, Actor.System(_tenant, "test"));
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        db.Categories.Add(Category.Create(_tenant, "sofa", "沙发"));
        var rule = new RuleDefinition(Guid.NewGuid(), 1, "导购 3%", [], null, null, null, null, 0, 300, null, null, null, null, false, null, null, now.AddYears(-1), null);
        db.CommissionRules.Add(CommissionRuleVersion.Create(_tenant, rule.ToRule(), rule.ToJson(), now, "test"));
        var guide = await db.Staff.Where(s => s.EmployeeNo == "G001").Select(s => s.Id).FirstAsync(Ct);
        await db.SaveChangesAsync(Ct);
        var touch = await scope.ServiceProvider.GetRequiredService<Core.Features.Attribution.RecordTouch.Handler>().HandleAsync(
            new Core.Features.Attribution.RecordTouch.Request(null, guide.Value, "Staff", "Manual", "13800138555", null, null, null, null, now.AddDays(-40), null), Ct);
        touch.IsOk.ShouldBeTrue();
        _customer = new CustomerId(touch.Value!.CustomerId);
        _holder = $"OfficialGuide:{guide.Value}";
        _store = await db.Stores.Where(s => s.Code == "SH-XH").Select(s => s.Id).FirstAsync(Ct);

        // Two POS orders (accrual), the older one settled, then partly refunded: seqs 1 … 4 of the guide's chain.
        var first = await OrderAsync("POS-A", 20);
        await OrderAsync("POS-B", 2);
        (await scope.ServiceProvider.GetRequiredService<SettleOrders.Handler>().HandleAsync(null, Ct)).Orders.ShouldBe(1);
        var refund = await scope.ServiceProvider.GetRequiredService<RecordOrderEvent.Handler>().HandleAsync(
            new RecordOrderEvent.Request(first, "Refunded", "RF-1", null, null, [new RecordOrderEvent.RefundLine(1, 100.00m)]), Ct);
        refund.IsOk.ShouldBeTrue(refund.Detail);
    }

    private async Task<Guid> OrderAsync(string no, int daysAgo)
    {
        await using var scope = _services.ScopeFor(_tenant, Actor.System(_tenant, "test"));
        var result = await scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>().HandleAsync(
            [new IngestOrders.OrderRequest("Pos", no, _store.Value, null, new IngestOrders.CustomerRequest(_customer.Value, null, null, null), null,
                [new IngestOrders.LineRequest("S1", "沙发", "sofa", 1, 1000.00m, null)], null, null, null, 1000.00m, DateTimeOffset.UtcNow.AddDays(-daysAgo), null, null)], null, Ct);
        result[0].Status.ShouldBe(IngestOrders.ItemStatus.Created, result[0].Detail);
        return result[0].OrderId!.Value;
    }

    /// <summary>Issues the guide's statement for the last 60 days as the brand would, into a file.</summary>
    private async Task<string> IssueAsync(string name, string format = "json")
    {
        await using var scope = _services.ScopeFor(_tenant, Actor.System(_tenant, "test"));
        var today = BrandCalendar.DayOf(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var outcome = await scope.ServiceProvider.GetRequiredService<GetStatement.Handler>().HandleAsync(
            new GetStatement.Request(_holder, today.AddDays(-60), today.AddDays(1), format), Ct);
        outcome.IsOk.ShouldBeTrue(outcome.Detail);
        var path = Path.Combine(_folder, $"{name}.{format}");
        await File.WriteAllBytesAsync(path, StatementFiles.Render(outcome.Value!, format), Ct);
        return path;
    }

    private async Task<LedgerEntry> EntryAsync(GuidelinkDb db, long seq) =>
        await db.LedgerEntries.AsNoTracking().SingleAsync(e => e.Holder == _holder && e.Seq == seq, Ct);

    [Fact]
    public async Task AnUntouchedHistory_Verifies_InJsonAndXlsx()
    {
        var old = await IssueAsync("old");
        await OrderAsync("POS-C", 1);
        var newer = await IssueAsync("new");
        var newerXlsx = await IssueAsync("new", "xlsx");

        var run = await CliRunner.RunAsync("verify-statement", newer, "--since", old);
        run.ExitCode.ShouldBe(0, run.Error);
        run.Output.ShouldContain("OK: the 5 entries up to the old head (seq 5) are unchanged in the new statement (head seq 6, 1 entries added since)");
        run.Output.ShouldContain("通过");
        (await CliRunner.RunAsync("verify-statement", newerXlsx, "--since", old)).ExitCode.ShouldBe(0);
        (await CliRunner.RunAsync("verify-statement", newerXlsx)).ExitCode.ShouldBe(0);
        // Against itself the old statement holds too; the other way round it cannot (the old chain is shorter).
        (await CliRunner.RunAsync("verify-statement", old, "--since", old)).ExitCode.ShouldBe(0);
        var backwards = await CliRunner.RunAsync("verify-statement", old, "--since", newer);
        backwards.ExitCode.ShouldBe(GuidelinkCli.Failed);
        backwards.Error.ShouldContain("beyond the new chain's end");
    }

    [Fact]
    public async Task ATamperedAmount_FailsAtItsSeq()
    {
        var old = await IssueAsync("old");
        await using (var scope = _services.ScopeFor(_tenant))
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            (await db.LedgerEntries.Where(e => e.Holder == _holder && e.Seq == 2).ExecuteUpdateAsync(s => s.SetProperty(e => e.AmountFen, e => e.AmountFen + 100), Ct)).ShouldBe(1);
        }
        var newer = await IssueAsync("new");
        var run = await CliRunner.RunAsync("verify-statement", newer, "--since", old);
        run.ExitCode.ShouldBe(GuidelinkCli.Failed);
        run.Error.ShouldContain("FAILED: NEW: seq 2: hash does not match the entry's fields");
        run.Output.ShouldBeEmpty();
    }

    [Fact]
    public async Task ADeletedEntry_FailsAtTheGap()
    {
        var old = await IssueAsync("old");
        await using (var scope = _services.ScopeFor(_tenant))
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            (await db.LedgerEntries.Where(e => e.Holder == _holder && e.Seq == 3).ExecuteDeleteAsync(Ct)).ShouldBe(1);
        }
        var newer = await IssueAsync("new");
        var run = await CliRunner.RunAsync("verify-statement", newer, "--since", old);
        run.ExitCode.ShouldBe(GuidelinkCli.Failed);
        run.Error.ShouldContain("seq 3 is missing");
    }

    [Fact]
    public async Task ARewrittenChain_ChecksOnItsOwn_ButFailsAgainstTheOldHead()
    {
        var old = await IssueAsync("old");
        // Rewrite history properly: a new amount for seq 2, then every hash from seq 2 on recomputed and relinked.
        await using (var scope = _services.ScopeFor(_tenant))
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            var chain = await db.LedgerEntries.AsNoTracking().Where(e => e.Holder == _holder).OrderBy(e => e.Seq).ToListAsync(Ct);
            string? previous = chain[0].Hash;
            foreach (var e in chain.Skip(1))
            {
                var amount = e.Seq == 2 ? e.AmountFen - 1 : e.AmountFen;
                var hash = LedgerEntry.ComputeHash(LedgerEntry.CanonicalForm(e.Id, e.At, e.Holder, e.Bucket, amount, e.PostingId, e.Reason, e.OrderId, previous));
                var prev = previous;
                await db.LedgerEntries.Where(x => x.Id == e.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.AmountFen, amount).SetProperty(x => x.PrevHash, prev).SetProperty(x => x.Hash, hash), Ct);
                previous = hash;
            }
        }
        var newer = await IssueAsync("new");

        var alone = await CliRunner.RunAsync("verify-statement", newer);
        alone.ExitCode.ShouldBe(0, alone.Error);
        var run = await CliRunner.RunAsync("verify-statement", newer, "--since", old);
        run.ExitCode.ShouldBe(GuidelinkCli.Failed);
        run.Error.ShouldContain("seq 2: amountFen differs between OLD and NEW");
        await using var check = _services.ScopeFor(_tenant);
        (await EntryAsync(check.ServiceProvider.GetRequiredService<GuidelinkDb>(), 2)).Hash.ShouldNotBe(StatementFiles.ReadChain(await File.ReadAllBytesAsync(old, Ct)).Chain[1].Hash);
    }

    [Fact]
    public async Task ACsvOrAMissingFile_IsRefusedWithTheReason()
    {
        var csv = await IssueAsync("old", "csv");
        var run = await CliRunner.RunAsync("verify-statement", csv);
        run.ExitCode.ShouldBe(GuidelinkCli.Failed);
        run.Error.ShouldContain("a CSV statement carries only the period's entries");
        var missing = await CliRunner.RunAsync("verify-statement", Path.Combine(_folder, "nope.json"));
        missing.ExitCode.ShouldBe(GuidelinkCli.Failed);
        missing.Error.ShouldContain("cannot read the statement");
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { /* left for the temp cleaner */ }
    }
}
