using System.Collections.Concurrent;
using System.Diagnostics;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Guidelink.Core.Tests;

/// <summary>The hot lookups by identity must reach PostgreSQL in a form its indexes answer. For a Contains on a nullable
/// column EF Core adds "OR (column IS NULL AND array_position(@list, NULL) IS NOT NULL)", and with that OR PostgreSQL reads
/// every customer of the brand instead of probing the unique index (a touch batch took 3 ms at 30,000 customers and grew
/// with the brand). Every command the touch writer and the batch ingest send is captured and checked for that shape.</summary>
public sealed class IndexedLookupsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TouchesAndBatchIngest_NeverSendTheNullCompensatingContains()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        var commands = new ConcurrentQueue<string>();
        using var listeners = new Listeners(name, commands);
        using var subscription = DiagnosticListener.AllListeners.Subscribe(listeners);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        var actor = Actor.System(tenant, "test");
        Guid store;
        await using (var scope = services.ScopeFor(tenant))
            store = await scope.ServiceProvider.GetRequiredService<GuidelinkDb>().Stores.Select(s => s.Id.Value).FirstAsync(Ct);

        // Touches by phone, union id and external user id — new customers, then the same ones again (found by each identity).
        for (var round = 0; round < 2; round++)
        {
            var answers = await Task.WhenAll(await services.Writer.RecordTogetherAsync(tenant,
            [
                (actor, new RecordTouch.Request(null, null, "Import", "Import", "13700137000", null, null, null, store, null, null)),
                (actor, new RecordTouch.Request(null, null, "Import", "Import", null, "union-1", null, null, store, null, null)),
                (actor, new RecordTouch.Request(null, null, "Import", "Import", null, null, "external-1", null, store, null, null)),
            ]));
            answers.ShouldAllBe(a => a.IsOk);
        }
        // Orders of those customers and of new ones, by the same identities (the existing ones' orders are read by customer).
        await using (var scope = services.ScopeFor(tenant))
        {
            var orders = new[] { ("13700137000", (string?)null, (string?)null), (null, "union-1", null), (null, null, "external-1"), ("13700137009", null, null) }
                .Select((c, i) => new IngestOrders.OrderRequest("Pos", $"IDX-{i}", store, null, new IngestOrders.CustomerRequest(null, c.Item1, c.Item2, null, c.Item3),
                    null, [new IngestOrders.LineRequest("SKU-1", "商品", "general", 1, 10m, null)], null, 0m, 0m, 10m, null, null, null)).ToList();
            await using var categories = database.NewContext(tenant);
            categories.Categories.Add(Features.Catalog.Category.Create(tenant, "general", "通用"));
            await categories.SaveChangesAsync(Ct);
            var results = await scope.ServiceProvider.GetRequiredService<IngestOrders.Handler>().HandleAsync(orders, null, Ct);
            results.ShouldAllBe(r => r.Ok);
        }

        var sent = commands.ToList();
        sent.ShouldContain(c => c.Contains("\"PhoneHash\" = ANY", StringComparison.Ordinal)); // the lookups were captured
        sent.ShouldContain(c => c.Contains("\"ExternalUserId\" = ANY", StringComparison.Ordinal));
        sent.Where(c => c.Contains("array_position", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    /// <summary>EF Core's diagnostic events of commands sent to this test's database (other tests run in parallel).</summary>
    private sealed class Listeners(string database, ConcurrentQueue<string> commands) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly ConcurrentBag<IDisposable> _subscriptions = [];

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == DbLoggerCategory.Name) _subscriptions.Add(listener.Subscribe(this));
        }

        /// <summary>Leaves EF Core's listeners of the whole test process alone again.</summary>
        public void Dispose()
        {
            foreach (var s in _subscriptions) s.Dispose();
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData { Command: var command } && command.Connection?.Database == database)
                commands.Enqueue(command.CommandText);
        }

        public void OnCompleted() { }

        public void OnError(Exception error) { }
    }
}
