using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary><see cref="RowInserter"/> writes rows exactly as SaveChanges would, on each of its paths: SQLite's positional
/// binding (text encoded on the stack), PostgreSQL's unnest INSERT (outside a transaction, and small lists inside one) and
/// its binary COPY (32 rows or more inside a transaction). The values that differ between paths if a binder is wrong: an
/// empty string (not NULL), NULL, text beyond 2-byte UTF-8 (Chinese, an emoji), text longer than its column (cut to it), an
/// enum, a nullable id, a time with its offset.</summary>
public sealed class RowInserterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RowsReadBackAsWritten_OnEveryPath(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);

        await using var scope = services.ScopeFor(tenant);
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var store = await db.Stores.Select(s => s.Id).FirstAsync(Ct);
        var owner = Customer.Create(tenant, store, DateTimeOffset.UtcNow);
        db.Customers.Add(owner);
        await db.SaveChangesAsync(Ct);
        var customer = owner.Id;
        var at = new DateTimeOffset(2026, 11, 30, 23, 59, 58, 123, TimeSpan.Zero);
        // EnteredBy holds 100 characters: 100 Chinese ones are 300 bytes of UTF-8, so a binder counting bytes would fail here.
        // (Longer text differs by design: SaveChanges on PostgreSQL refuses it, RowInserter cuts it to the column.)
        var longName = new string('长', 100);
        var touchers = Enumerable.Range(0, 64).Select(_ => Guid.CreateVersion7()).ToArray();
        List<Touch> Touches(int count, string tag) => Enumerable.Range(0, count).Select(i => Touch.Create(tenant, customer,
            i % 2 == 0 ? new Owner(OwnerKind.PartTimeGuide, touchers[i]) : null,
            i % 3 == 0 ? "" : $"{tag}{i}", "双十二 沙发节 🛋️", (TouchChannel)(i % 8), (TouchMethod)(i % 6),
            i % 2 == 0 ? store : null, at.AddMinutes(i), at.AddMinutes(i + 1), i % 4 == 0 ? longName : "", i % 5 == 0 ? null : "10.0.0.1", null)).ToList();

        // The same touches twice (only their ids differ): one set through RowInserter, the other through Add + SaveChanges,
        // which is what RowInserter must match.
        var alone = Touches(1, "A");
        var small = Touches(5, "S");
        var large = Touches(RowInserter.CopyFrom + 8, "L");
        List<Touch> twins = [.. Touches(1, "A"), .. Touches(5, "S"), .. Touches(RowInserter.CopyFrom + 8, "L")];
        db.Touches.AddRange(twins);
        await db.SaveChangesAsync(Ct);
        db.ChangeTracker.Clear();

        if (db.Database.IsSqlite())
        {
            // SQLite writes only inside the caller's transaction (and the process's write gate, as the writers hold it).
            using var gate = SqliteWriteGate.Of(db)?.Hold();
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            RowInserter.Insert(db, alone, small, large);
            await transaction.CommitAsync(Ct);
        }
        else
        {
            await db.Database.OpenConnectionAsync(Ct); // as the touch writer does: one open connection for the batch
            RowInserter.Insert(db, alone); // outside a transaction: one unnest statement
            await using var transaction = await db.Database.BeginTransactionAsync(Ct);
            RowInserter.Insert(db, small, large); // inside: unnest for the small list, COPY for the large one
            await transaction.CommitAsync(Ct);
        }

        List<Touch> written = [.. alone, .. small, .. large];
        var ids = written.Concat(twins).Select(t => t.Id).ToList();
        var read = await db.Touches.AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, Ct);
        read.Count.ShouldBe(written.Count * 2);
        for (var i = 0; i < written.Count; i++)
        {
            var (r, e) = (read[written[i].Id], read[twins[i].Id]);
            var row = $"row {i}";
            r.TenantId.ShouldBe(e.TenantId, row);
            r.CustomerId.ShouldBe(e.CustomerId, row);
            r.ToucherKind.ShouldBe(e.ToucherKind, row);
            r.ToucherId.ShouldBe(e.ToucherId, row);
            r.Code.ShouldBe(e.Code, row);
            r.Campaign.ShouldBe(e.Campaign, row);
            r.Channel.ShouldBe(e.Channel, row);
            r.Method.ShouldBe(e.Method, row);
            r.StoreId.ShouldBe(e.StoreId, row);
            r.OccurredAt.ShouldBe(e.OccurredAt, row);
            r.RecordedAt.ShouldBe(e.RecordedAt, row);
            r.EnteredBy.ShouldBe(e.EnteredBy, row);
            r.Ip.ShouldBe(e.Ip, row);
            r.UserAgent.ShouldBe(e.UserAgent, row);
            // And both as given, where the database keeps it exactly.
            r.Code.ShouldBe(written[i].Code, row); // "" stays "", not NULL
            r.Campaign.ShouldBe("双十二 沙发节 🛋️", row);
            r.OccurredAt.ShouldBe(written[i].OccurredAt, row);
        }
    }
}
