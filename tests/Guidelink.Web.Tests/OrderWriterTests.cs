using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Guidelink.Core.Features.Commission;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Orders;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Web.Tests;

/// <summary>Single orders through the group-commit writer (<see cref="OrderWriter"/>), over HTTP on both providers: many
/// at once for one partner are each created once with their chains intact, the same key at once is created once, and a
/// bad order among good ones fails alone — the answers one order alone would get, whatever shared its batch.</summary>
public sealed class OrderWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A brand with a 5% rule for part-time guides, a ¥20 new-customer bounty and one partner with a share code:
    /// every order below credits the same partner and appends to their ledger chain and the brand's.</summary>
    private sealed class Brand : IAsyncDisposable
    {
        public required TestDatabase Database { get; init; }
        public required GuidelinkInstance Server { get; init; }
        public required HttpClient Admin { get; init; }
        public required TenantId Tenant { get; init; }
        public required string Store { get; init; }
        public required string Partner { get; init; }
        public required string Code { get; init; }

        /// <summary>One time for every order, so that two sends of one order are the same body.</summary>
        public DateTimeOffset PlacedAt { get; } = DateTimeOffset.UtcNow.AddMinutes(-5);

        public OrderWriter Writer => Server.Services.GetRequiredService<OrderWriter>();

        public static async Task<Brand> StartAsync(DatabaseProvider provider)
        {
            var database = await TestDatabase.CreateAsync(provider);
            var server = await GuidelinkInstance.StartAsync(database);
            var admin = await server.ClientAsAsync("demo-admin");
            TenantId tenant;
            await using (var platform = database.NewContext()) tenant = (await platform.Tenants.SingleAsync(Ct)).Id;
            await using (var db = database.NewContext(tenant))
            {
                db.Categories.AddRange(Core.Features.Catalog.Category.Create(tenant, "sofa", "沙发"), Core.Features.Catalog.Category.Create(tenant, "accessory", "饰品"));
                var settings = CommissionSettings.Default(tenant);
                settings.Change(7, NegativeBalancePolicy.AllowNegative, 2_000, null);
                db.CommissionSettings.Add(settings);
                await db.SaveChangesAsync(Ct);
            }
            await admin.PostJsonAsync("/api/commission-rules", new { name = "兼职 5%", appliesTo = new[] { "PartTimeGuide" }, basisPoints = 500, effectiveFrom = DateTimeOffset.UtcNow.AddDays(-60) }, HttpStatusCode.Created);
            var store = await admin.StoreIdAsync("SH-XH");
            var partner = (await admin.PostJsonAsync("/api/partners", new { kind = "PartTimeGuide", name = "设计师周工", homeStoreId = store }, HttpStatusCode.Created)).Str("id");
            await admin.PostJsonAsync($"/api/partners/{partner}/approve", new { }, HttpStatusCode.OK);
            var code = (await admin.GetJsonAsync($"/api/codes?partnerId={partner}")).Str("code");
            return new Brand { Database = database, Server = server, Admin = admin, Tenant = tenant, Store = store, Partner = partner, Code = code };
        }

        /// <summary>2 sofas at ¥1,000 and 3 cushions at ¥50, paid ¥2,150, placed through the partner's code.</summary>
        public object Order(string no, string phone, decimal paid = 2150.00m, string? code = null) => new
        {
            channel = "MiniMall",
            externalNo = no,
            storeId = Store,
            customer = new { phone },
            referralCode = code ?? Code,
            lines = new object[]
            {
                new { sku = "SOFA", name = "沙发", category = "sofa", quantity = 2, unitPrice = 1000.00m },
                new { sku = "CUSHION", name = "抱枕", category = "accessory", quantity = 3, unitPrice = 50.00m },
            },
            paid,
            placedAt = PlacedAt,
        };

        /// <summary>Sends every body at the same moment, each on its own connection; the status and body of each, in order.</summary>
        public async Task<(HttpStatusCode Status, JsonElement Body)[]> SendAtOnceAsync(List<object> bodies)
        {
            using var start = new SemaphoreSlim(0, bodies.Count);
            var sends = bodies.Select(async body =>
            {
                using var client = Server.Client();
                client.DefaultRequestHeaders.Authorization = Admin.DefaultRequestHeaders.Authorization;
                await start.WaitAsync(Ct);
                using var response = await client.PostAsJsonAsync("/api/orders", body, Ct);
                var text = await response.Content.ReadAsStringAsync(Ct);
                return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
            }).ToList();
            start.Release(bodies.Count);
            return await Task.WhenAll(sends);
        }

        public async ValueTask DisposeAsync()
        {
            Admin.Dispose();
            await Server.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    /// <summary>Every chain runs seq 1, 2, 3, … with each prevHash the hash before it and each hash recomputed from the
    /// entry; every posting sums to zero; every holder's Pending balance is the sum of its commission lines (the brand's
    /// expense their negative sum).</summary>
    private static async Task ChainsAndBalancesHoldAsync(Brand brand)
    {
        await using var db = brand.Database.NewContext(brand.Tenant);
        var entries = await db.LedgerEntries.AsNoTracking().ToListAsync(Ct);
        entries.GroupBy(e => e.PostingId).ShouldAllBe(g => g.Sum(e => e.AmountFen) == 0);
        foreach (var chain in entries.Where(e => e.Seq > 0).GroupBy(e => e.Holder))
        {
            string? previous = null;
            var seq = 0L;
            foreach (var e in chain.OrderBy(e => e.Seq))
            {
                e.Seq.ShouldBe(++seq, $"{chain.Key}: a gap or a duplicate in the chain");
                e.PrevHash.ShouldBe(previous);
                e.Hash.ShouldBe(LedgerEntry.ComputeHash(LedgerEntry.CanonicalForm(e.Id, e.At, e.Holder, e.Bucket, e.AmountFen, e.PostingId, e.Reason, e.OrderId, e.PrevHash)));
                previous = e.Hash;
            }
        }
        var lines = await db.CommissionLines.AsNoTracking().ToListAsync(Ct);
        foreach (var earner in lines.GroupBy(l => l.Holder))
            (await LedgerBook.BalancesAsync(db, earner.Key, null, Ct)).GetValueOrDefault(LedgerBucket.Pending).ShouldBe(earner.Sum(l => l.AmountFen), earner.Key);
        (await LedgerBook.BalancesAsync(db, Earner.Brand, null, Ct)).GetValueOrDefault(LedgerBucket.CommissionExpense).ShouldBe(-lines.Sum(l => l.AmountFen));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ManySingleOrdersOfOnePartnerAtOnce_AreEachCreatedOnce_AndTheChainsAndBalancesHold(DatabaseProvider provider)
    {
        await using var brand = await Brand.StartAsync(provider);
        const int count = 48;
        var answers = await brand.SendAtOnceAsync(Enumerable.Range(0, count).Select(i => brand.Order($"HOT-{i}", $"1380013{i:0000}")).ToList());

        answers.ShouldAllBe(a => a.Status == HttpStatusCode.Created, string.Join(", ", answers.Select(a => a.Status)));
        answers.Select(a => a.Body.Str("externalNo")).Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, count).Select(i => $"HOT-{i}").Order(StringComparer.Ordinal));
        answers.Select(a => a.Body.Str("id")).Distinct().Count().ShouldBe(count);
        answers.ShouldAllBe(a => a.Body.Str("creditId") == brand.Partner);
        // They shared batches: otherwise this test would prove nothing about the writer.
        brand.Writer.LargestBatch.ShouldBeGreaterThan(1);

        await using (var db = brand.Database.NewContext(brand.Tenant))
        {
            (await db.Orders.CountAsync(Ct)).ShouldBe(count);
            (await db.LedgerPostings.CountAsync(Ct)).ShouldBe(count); // one accrual each
            // Each order: 5% of ¥2,000 and of ¥150, and the bounty (each customer is new).
            var perOrder = await db.CommissionLines.GroupBy(c => c.OrderId).Select(g => new { g.Key, Fen = g.Sum(c => c.AmountFen), Count = g.Count() }).ToListAsync(Ct);
            perOrder.Count.ShouldBe(count);
            perOrder.ShouldAllBe(o => o.Count == 3 && o.Fen == 10_000 + 750 + 2_000);
        }
        await ChainsAndBalancesHoldAsync(brand);

        // A retry of any of them afterwards gets the first answer.
        var again = await brand.Admin.PostJsonAsync("/api/orders", brand.Order("HOT-7", "13800130007"), HttpStatusCode.OK);
        again.Str("id").ShouldBe(answers.Single(a => a.Body.Str("externalNo") == "HOT-7").Body.Str("id"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TheSameKeyTwiceAtOnce_IsCreatedOnce_ThenReplayedForTheSameBody_OrAConflictForAnother(DatabaseProvider provider)
    {
        await using var brand = await Brand.StartAsync(provider);
        // Eight keys sent twice with the same body, eight twice with another phone, among sixteen other orders of the partner.
        var bodies = new List<object>();
        for (var i = 0; i < 8; i++)
        {
            bodies.Add(brand.Order($"SAME-{i}", $"1370013{i:0000}"));
            bodies.Add(brand.Order($"SAME-{i}", $"1370013{i:0000}"));
            bodies.Add(brand.Order($"OTHER-{i}", $"1360013{i:0000}"));
            bodies.Add(brand.Order($"OTHER-{i}", $"1350013{i:0000}"));
            bodies.Add(brand.Order($"PLAIN-{i}", $"1340013{i:0000}"));
            bodies.Add(brand.Order($"PLAIN-{i + 8}", $"1340013{i + 8:0000}"));
        }
        var answers = await brand.SendAtOnceAsync(bodies);

        for (var i = 0; i < 8; i++)
        {
            var same = answers.Skip(6 * i).Take(2).ToList();
            same.Count(a => a.Status == HttpStatusCode.Created).ShouldBe(1, string.Join(", ", same.Select(a => a.Status)));
            same.Count(a => a.Status == HttpStatusCode.OK).ShouldBe(1, string.Join(", ", same.Select(a => a.Status)));
            same[0].Body.Str("id").ShouldBe(same[1].Body.Str("id"));

            var other = answers.Skip(6 * i + 2).Take(2).ToList();
            other.Count(a => a.Status == HttpStatusCode.Created).ShouldBe(1, string.Join(", ", other.Select(a => a.Status)));
            other.Count(a => a.Status == HttpStatusCode.Conflict).ShouldBe(1, string.Join(", ", other.Select(a => a.Status)));
            other.Single(a => a.Status == HttpStatusCode.Conflict).Body.Str("detail").ShouldContain("different body");

            answers.Skip(6 * i + 4).Take(2).ShouldAllBe(a => a.Status == HttpStatusCode.Created);
        }
        brand.Writer.LargestBatch.ShouldBeGreaterThan(1);

        await using (var db = brand.Database.NewContext(brand.Tenant))
        {
            (await db.Orders.CountAsync(Ct)).ShouldBe(32);
            (await db.LedgerPostings.CountAsync(Ct)).ShouldBe(32);
            (await db.CommissionLines.CountAsync(Ct)).ShouldBe(32 * 3);
        }
        await ChainsAndBalancesHoldAsync(brand);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ABadOrderAmongGoodOnesAtOnce_FailsAlone_NamingItsField(DatabaseProvider provider)
    {
        await using var brand = await Brand.StartAsync(provider);
        var bodies = Enumerable.Range(0, 24).Select(i => brand.Order($"GOOD-{i}", $"1330013{i:0000}")).ToList();
        bodies[5] = brand.Order("BAD-PAID", "13300139995", paid: 2000m);
        bodies[11] = brand.Order("BAD-CODE", "13300139996", code: "nosuchcode");
        bodies[17] = new { channel = "MiniMall", externalNo = "BAD-LINE", storeId = brand.Store, paid = 10m, lines = new object[] { new { sku = "Y", category = "nope", quantity = 1, unitPrice = 10m } } };
        var answers = await brand.SendAtOnceAsync(bodies);

        answers[5].Status.ShouldBe(HttpStatusCode.BadRequest);
        answers[5].Body.ErrorFields().ShouldBe(["paid"]);
        answers[11].Status.ShouldBe(HttpStatusCode.NotFound);
        answers[11].Body.Str("detail").ShouldContain("nosuchcode");
        answers[17].Status.ShouldBe(HttpStatusCode.BadRequest);
        answers[17].Body.ErrorFields().ShouldBe(["lines[0].category"]);
        answers.Where((_, i) => i is not (5 or 11 or 17)).ShouldAllBe(a => a.Status == HttpStatusCode.Created);
        brand.Writer.LargestBatch.ShouldBeGreaterThan(1);

        await using (var db = brand.Database.NewContext(brand.Tenant))
        {
            (await db.Orders.CountAsync(Ct)).ShouldBe(21);
            (await db.Orders.CountAsync(o => o.ExternalNo.StartsWith("BAD-"), Ct)).ShouldBe(0);
        }
        await ChainsAndBalancesHoldAsync(brand);
    }
}
