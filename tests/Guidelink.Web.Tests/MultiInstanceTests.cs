using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Guidelink.Core.Features.Jobs;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Web.Tests;

/// <summary>Two server instances on one database, as behind a load balancer: nothing in process memory that
/// they could disagree on; scheduled jobs and outbox messages are done once across both.</summary>
public sealed class MultiInstanceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ASessionIssuedByOneInstance_IsAcceptedByTheOther_AndKeysAreEncryptedAtRest(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var first = await GuidelinkInstance.StartAsync(database);
        await using var second = await GuidelinkInstance.StartAsync(database, seedDemo: false);

        using var viaFirst = await first.ClientAsAsync("demo-admin");
        using var viaSecond = second.Client();
        viaSecond.DefaultRequestHeaders.Authorization = viaFirst.DefaultRequestHeaders.Authorization;
        (await viaSecond.GetJsonAsync("/api/org/stores")).GetArrayLength().ShouldBe(6);

        await using var db = database.NewContext();
        var keys = await db.DataProtectionKeys.ToListAsync(Ct);
        keys.Count.ShouldBe(1); // one shared key ring, not one per instance
        keys[0].Xml!.ShouldContain("encryptedKey");
        keys[0].Xml!.ShouldNotContain("<masterKey"); // the plain key material never reaches the database
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task AScheduledJob_RunsOncePerOccurrence_AcrossTwoInstances(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var runs = new ConcurrentBag<(DateTimeOffset DueAt, string Instance)>();
        void Register(IServiceCollection services, string name) => services.AddSingleton<IScheduledJob>(new RecordingJob(runs, name));
        await using var first = await GuidelinkInstance.StartAsync(database, jobs: true, services: s => Register(s, "first"));
        await using var second = await GuidelinkInstance.StartAsync(database, seedDemo: false, jobs: true, services: s => Register(s, "second"));

        // The lease counts a run when it finishes, after the job recorded it: wait for both.
        await WaitUntilAsync(async () =>
        {
            await using var db = database.NewContext();
            var lease = await db.JobLeases.SingleOrDefaultAsync(l => l.Name == RecordingJob.JobName, Ct);
            return runs.Count >= 4 && lease?.RunCount >= 4;
        }, TimeSpan.FromSeconds(120)); // an upper bound for a loaded machine; the check is below

        var byOccurrence = runs.GroupBy(r => r.DueAt).ToList();
        byOccurrence.ShouldAllBe(g => g.Count() == 1, $"occurrences run twice: {string.Join(", ", byOccurrence.Where(g => g.Count() > 1).Select(g => g.Key))}");
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task OutboxMessages_AreHandledOnceEach_AcrossTwoInstances_AndAFailureIsRetried(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var handled = new ConcurrentBag<(Guid Id, string Instance)>();
        var failures = new ConcurrentDictionary<Guid, int>();
        void Register(IServiceCollection services, string name) => services.AddSingleton<IOutboxHandler>(new RecordingHandler(handled, failures, name));
        await using var first = await GuidelinkInstance.StartAsync(database, jobs: true, services: s => Register(s, "first"));
        await using var second = await GuidelinkInstance.StartAsync(database, seedDemo: false, jobs: true, services: s => Register(s, "second"));

        TenantId tenant;
        await using (var platform = database.NewContext()) tenant = (await platform.Tenants.SingleAsync(Ct)).Id;
        var ids = new List<Guid>();
        await using (var db = database.NewContext(tenant))
        {
            for (var i = 0; i < 40; i++)
                ids.Add(Outbox.Enqueue(db, tenant, RecordingHandler.MessageType, new Payload(i, FailFirst: i == 7), DateTimeOffset.UtcNow).Id);
            await db.SaveChangesAsync(Ct);
        }

        await WaitUntilAsync(async () =>
        {
            await using var db = database.NewContext(tenant);
            return await db.OutboxMessages.CountAsync(m => m.ProcessedAt == null, Ct) == 0;
        }, TimeSpan.FromSeconds(120)); // an upper bound for a loaded machine; the check is below

        handled.Select(h => h.Id).Order().ShouldBe(ids.Order());   // every message once, none twice
        failures.Keys.Count.ShouldBe(1);                            // the message that failed first…
        await using var check = database.NewContext(tenant);
        var retried = await check.OutboxMessages.SingleAsync(m => m.Id == failures.Keys.Single(), Ct);
        retried.Attempts.ShouldBe(2);                               // …succeeded on its second attempt
        retried.LastError.ShouldBeNull();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SimultaneousTouchesForOneNewCustomer_OnTwoInstances_LeaveExactlyOneOwner_AndNMinus1RecordedLosers(DatabaseProvider provider)
    {
        // Each instance batches its own touches; the two batches race for the same new customer in the database.
        const int n = 16;
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var first = await GuidelinkInstance.StartAsync(database);
        await using var second = await GuidelinkInstance.StartAsync(database, seedDemo: false);
        using var admin = await first.ClientAsAsync("demo-admin");
        var store = await admin.StoreIdAsync("SH-XH");
        var codes = new List<string>();
        for (var i = 0; i < n; i++)
        {
            var partner = (await admin.PostJsonAsync("/api/partners", new { kind = "PartTimeGuide", name = $"合伙人{i:00}", homeStoreId = store }, HttpStatusCode.Created)).Str("id");
            await admin.PostJsonAsync($"/api/partners/{partner}/approve", new { }, HttpStatusCode.OK);
            codes.Add((await admin.GetJsonAsync($"/api/codes?partnerId={partner}")).Str("code"));
        }

        using var start = new SemaphoreSlim(0, n);
        var requests = codes.Select(async (code, i) =>
        {
            using var client = (i % 2 == 0 ? first : second).Client();
            client.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
            await start.WaitAsync(Ct);
            var response = await client.PostAsJsonAsync("/api/touches", new { code, phone = "13600136000", channel = "ShareLink", method = "QrScan" }, Ct);
            return await response.JsonAsync(HttpStatusCode.OK);
        }).ToList();
        start.Release(n);
        var answers = await Task.WhenAll(requests);

        answers.Select(a => a.Str("customerId")).Distinct().Count().ShouldBe(1);
        answers.Count(a => a.GetProperty("decision").GetProperty("changed").GetBoolean()).ShouldBe(1);
        await using var db = database.NewContext();
        var customer = await db.Customers.IgnoreQueryFilters().SingleAsync(Ct);
        var decisions = await db.AttributionDecisions.IgnoreQueryFilters().ToListAsync(Ct);
        decisions.Count.ShouldBe(n);
        decisions.Count(d => d.Changed).ShouldBe(1);
        decisions.Single(d => d.Changed).NewOwnerId.ShouldBe(customer.OwnerId);
        decisions.Where(d => !d.Changed).ShouldAllBe(d => d.PreviousOwnerId == customer.OwnerId);
        decisions.Where(d => !d.Changed).Select(d => d.ClaimantId).Distinct().Count().ShouldBe(n - 1);
        (await db.Touches.IgnoreQueryFilters().CountAsync(Ct)).ShouldBe(n);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout) => await WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Condition not met within {timeout}.");
            await Task.Delay(100, Ct);
        }
    }

    private sealed record Payload(int Number, bool FailFirst);

    private sealed class RecordingJob(ConcurrentBag<(DateTimeOffset, string)> runs, string instance) : IScheduledJob
    {
        public const string JobName = "test-every-second";
        public string Name => JobName;
        public string Cron => "* * * * * *";

        public async Task RunAsync(IServiceProvider scopedServices, DateTimeOffset dueAt, CancellationToken ct)
        {
            runs.Add((dueAt, instance));
            await Task.Delay(50, ct); // long enough for the other instance to try the same occurrence
        }
    }

    private sealed class RecordingHandler(ConcurrentBag<(Guid, string)> handled, ConcurrentDictionary<Guid, int> failures, string instance) : IOutboxHandler
    {
        public const string MessageType = "test.record";
        public string Type => MessageType;

        public async Task HandleAsync(OutboxMessage message, IServiceProvider scopedServices, CancellationToken ct)
        {
            var payload = message.Read<Payload>();
            if (payload.FailFirst && failures.TryAdd(message.Id, 1)) throw new HttpRequestException("simulated outage");
            await Task.Delay(10, ct);
            handled.Add((message.Id, instance));
        }
    }
}
