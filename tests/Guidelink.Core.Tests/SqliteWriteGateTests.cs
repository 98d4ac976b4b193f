using Guidelink.Core.Features.Customers;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Tests;

/// <summary>The in-process queue of SQLite writers must be released however a write ends.</summary>
public sealed class SqliteWriteGateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ALostVersionCheck_ReleasesTheWriteGate_SoTheNextWriterDoesNotWaitForever()
    {
        // Found by the money model test: three settlement runs at once on SQLite; the one that lost the order's version
        // check kept the gate (EF Core reports a DbUpdateConcurrencyException through ThrowingConcurrencyException, not
        // SaveChangesFailed), and every later write of the process waited for it forever.
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var services = new TestServices(database);
        var tenant = await services.SeedDemoBrandAsync(Ct);
        CustomerId id;
        await using (var scope = services.ScopeFor(tenant))
        {
            var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
            var customer = Customer.Create(tenant, null, DateTimeOffset.UtcNow);
            db.Customers.Add(customer);
            await db.SaveChangesAsync(Ct);
            id = customer.Id;
        }

        await LoseAVersionCheckAsync(services, tenant, id, synchronous: false);
        await WriteWithinTenSecondsAsync(services, tenant, id);
        await LoseAVersionCheckAsync(services, tenant, id, synchronous: true); // the touch writer's path
        await WriteWithinTenSecondsAsync(services, tenant, id);
    }

    [Fact]
    public async Task HoldAsync_WaitsForTheWriterThatHasTheGate_AndTakesItWhenReleased()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var services = new TestServices(database);
        await using var scope = services.PlatformScope();
        var gate = SqliteWriteGate.Of(scope.ServiceProvider.GetRequiredService<GuidelinkDb>()).ShouldNotBeNull();
        var first = gate.Hold();
        var second = gate.HoldAsync(Ct);
        await Task.Delay(100, Ct);
        second.IsCompleted.ShouldBeFalse("the gate is held");
        first.Dispose();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        (await second.WaitAsync(timeout.Token)).Dispose();
        gate.Hold().Dispose(); // released again: a third writer gets it at once
    }

    private static async Task LoseAVersionCheckAsync(TestServices services, TenantId tenant, CustomerId id, bool synchronous)
    {
        await using var winner = services.ScopeFor(tenant);
        await using var loser = services.ScopeFor(tenant);
        var first = winner.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var second = loser.ServiceProvider.GetRequiredService<GuidelinkDb>();
        (await first.Customers.FirstAsync(c => c.Id == id, Ct)).Touched();
        (await second.Customers.FirstAsync(c => c.Id == id, Ct)).Touched();
        if (synchronous)
        {
            first.SaveChanges();
            Should.Throw<DbUpdateConcurrencyException>(() => second.SaveChanges());
        }
        else
        {
            await first.SaveChangesAsync(Ct);
            await Should.ThrowAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync(Ct));
        }
    }

    private static async Task WriteWithinTenSecondsAsync(TestServices services, TenantId tenant, CustomerId id)
    {
        await using var next = services.ScopeFor(tenant);
        var db = next.ServiceProvider.GetRequiredService<GuidelinkDb>();
        (await db.Customers.FirstAsync(c => c.Id == id, Ct)).Touched();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        (await db.SaveChangesAsync(timeout.Token)).ShouldBe(1);
    }
}
