using System.Text.RegularExpressions;
using Guidelink.Core;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Demo;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Cli.Tests;

/// <summary>`guidelink import customers`: good rows in, bad rows reported, owners attributed by the policy,
/// the rest in the store's pool, and a second run changes nothing; on both providers.</summary>
public sealed partial class ImportCustomersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string PartnerPhone = "13700137000";

    private static string Csv => string.Join('\n',
        "phone,name,gender,birthday,store,owner",
        "13900000001,王女士,F,1990-05-01,,G001",            // line 2: the guide G001's, in the guide's store
        "13900000002,李先生,M,,SH-PD,",                       // line 3: nobody's: the Pudong pool
        $"139 0000 0003,张三,女,,SH-XH,{PartnerPhone}",       // line 4: the partner's (owner named by phone)
        "12345,坏号码,,,SH-XH,",                              // line 5: bad phone
        "13900000004,,,,NOPE,",                               // line 6: unknown store
        "13900000005,,,,SH-XH,G999",                          // line 7: unknown owner
        "+86 139 0000 0001,重复,,,SH-XH,",                    // line 8: the phone of line 2 again
        "13900000006,\"Zhou, Jr.\",x,,SH-XH,",                // line 9: bad gender (the quoted comma stays in the name)
        "");

    private static long Figure(string output, string label) =>
        long.Parse(Regex.Match(output, $@"^\s*{label}\s+([\d,]+)", RegexOptions.Multiline).Groups[1].Value.Replace(",", "", StringComparison.Ordinal),
            System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<(TenantId Tenant, Guid Partner)> SeedAsync(TestDatabase database)
    {
        (await CliRunner.RunAsync(database, "seed", "demo", "--org-only")).ExitCode.ShouldBe(0);
        var configuration = new ConfigurationBuilder().AddCommandLine(database.Args).Build();
        await using var services = new ServiceCollection().AddGuidelinkCore(configuration).BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GuidelinkDb>();
        var tenant = (await db.Tenants.SingleAsync(t => t.Slug == SeedDemoBrand.Slug, Ct)).Id;
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant);
        scope.ServiceProvider.GetRequiredService<ActorContext>().Current = Actor.System(tenant, "test");
        var pudong = await db.Stores.SingleAsync(s => s.Code == "SH-PD", Ct);
        var partner = await scope.ServiceProvider.GetRequiredService<RegisterPartner.Handler>()
            .HandleAsync(new RegisterPartner.Request("PartTimeGuide", "设计师周工", null, PartnerPhone, pudong.Id.Value), Ct);
        partner.IsOk.ShouldBeTrue();
        (await scope.ServiceProvider.GetRequiredService<ChangePartnerStatus.Handler>()
            .HandleAsync(new ChangePartnerStatus.Request(partner.Value!.Id, ChangePartnerStatus.Change.Approve), Ct)).IsOk.ShouldBeTrue();
        return (tenant, partner.Value!.Id);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Import_TakesGoodRows_ReportsBadOnes_AttributesOwnersAndPoolsTheRest_AndASecondRunChangesNothing(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (tenant, partner) = await SeedAsync(database);
        var folder = Directory.CreateTempSubdirectory("guidelink-import-");
        var file = Path.Combine(folder.FullName, "customers.csv");
        var report = Path.Combine(folder.FullName, "rejected.csv");
        await File.WriteAllTextAsync(file, Csv, Ct);

        var first = await CliRunner.RunAsync(database, "import", "customers", file, "--tenant", "qimu", "--report", report);

        first.ExitCode.ShouldBe(0, first.Error);
        Figure(first.Output, "imported").ShouldBe(3);
        Figure(first.Output, "already present").ShouldBe(0);
        Figure(first.Output, "rejected").ShouldBe(5);
        Figure(first.Output, "rows").ShouldBe(8);
        first.Output.ShouldContain("rows/s");
        first.Output.ShouldNotContain("\u001b["); // not a terminal: plain lines, no bar

        var rejected = (await File.ReadAllLinesAsync(report, Ct)).Where(l => l.Length > 0).ToList();
        rejected[0].ShouldBe("line,reason,phone,name,gender,birthday,store,owner");
        rejected.Skip(1).Select(l => l.Split(',')[0]).ShouldBe(["5", "6", "7", "8", "9"]);
        rejected[1].ShouldContain("phone: '12345' is not a valid");
        rejected[1].ShouldEndWith(",12345,坏号码,,,SH-XH,");
        rejected[2].ShouldContain("store: 'NOPE'");
        rejected[3].ShouldContain("owner: 'G999'");
        rejected[4].ShouldContain("duplicate phone: the same number is on line 2");
        rejected[5].ShouldContain("gender: 'x'");
        rejected[5].ShouldContain("\"Zhou, Jr.\"");

        await using (var db = database.NewContext(tenant))
        {
            var guide = await db.Staff.Include(s => s.Assignments).SingleAsync(s => s.EmployeeNo == "G001", Ct);
            var xuhui = await db.Stores.SingleAsync(s => s.Code == "SH-XH", Ct);
            var pudong = await db.Stores.SingleAsync(s => s.Code == "SH-PD", Ct);
            var customers = await db.Customers.ToListAsync(Ct);
            customers.Count.ShouldBe(3);
            customers.ShouldAllBe(c => c.PhoneHash != null && c.PhoneCipher != null);

            var wang = customers.Single(c => c.Name == "王女士");
            wang.OwnerId.ShouldBe(guide.Id.Value);
            wang.OwnerKind.ShouldBe(OwnerKind.OfficialGuide);
            wang.PhoneMasked.ShouldBe("139****0001");
            wang.Gender.ShouldBe(Gender.Female);
            wang.Birthday.ShouldBe(new DateOnly(1990, 5, 1));
            wang.HomeStoreId.ShouldBe(guide.AssignmentAt(DateTimeOffset.UtcNow)!.StoreId);
            wang.ProtectedUntil.ShouldNotBeNull();
            var wangDecision = await db.AttributionDecisions.SingleAsync(d => d.CustomerId == wang.Id, Ct);
            wangDecision.Reason.ShouldBe(DecisionReason.NewCustomer);
            wangDecision.NewOwnerId.ShouldBe(guide.Id.Value);
            wangDecision.Changed.ShouldBeTrue();
            var wangTouch = await db.Touches.SingleAsync(t => t.Id == wangDecision.TouchId, Ct);
            wangTouch.Method.ShouldBe(TouchMethod.Import);
            wangTouch.Channel.ShouldBe(TouchChannel.Import);
            wangTouch.ToucherId.ShouldBe(guide.Id.Value);

            var li = customers.Single(c => c.Name == "李先生");
            li.OwnerId.ShouldBeNull();
            li.HomeStoreId.ShouldBe(pudong.Id);
            var liDecision = await db.AttributionDecisions.SingleAsync(d => d.CustomerId == li.Id, Ct);
            liDecision.Reason.ShouldBe(DecisionReason.NewCustomer);
            liDecision.NewOwnerId.ShouldBeNull();
            liDecision.Changed.ShouldBeFalse();

            var zhang = customers.Single(c => c.Name == "张三");
            zhang.OwnerId.ShouldBe(partner);
            zhang.OwnerKind.ShouldBe(OwnerKind.PartTimeGuide);
            zhang.HomeStoreId.ShouldBe(xuhui.Id);
            (await db.Touches.CountAsync(Ct)).ShouldBe(3);
            (await db.AttributionDecisions.CountAsync(Ct)).ShouldBe(3);
        }

        var second = await CliRunner.RunAsync(database, "import", "customers", file, "--tenant", "qimu");

        second.ExitCode.ShouldBe(0, second.Error);
        Figure(second.Output, "imported").ShouldBe(0);
        Figure(second.Output, "already present").ShouldBe(4); // line 8 too: its phone is in the brand now
        Figure(second.Output, "rejected").ShouldBe(4);
        await using (var db = database.NewContext(tenant))
        {
            (await db.Customers.CountAsync(Ct)).ShouldBe(3);
            (await db.Touches.CountAsync(Ct)).ShouldBe(3);
            (await db.AttributionDecisions.CountAsync(Ct)).ShouldBe(3);
            (await db.Customers.SingleAsync(c => c.Name == "王女士", Ct)).Version.ShouldBe(1);
        }
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task Import_MapsOtherHeaders_UsesTheDefaultStore_AndRefusesABadMapNamingTheOption()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var (tenant, _) = await SeedAsync(database);
        var folder = Directory.CreateTempSubdirectory("guidelink-import-");
        var file = Path.Combine(folder.FullName, "customers.csv");
        await File.WriteAllTextAsync(file, "手机号码,客户名称,导购工号\n13900000011,赵女士,\n13900000012,钱先生,G002\n", Ct);

        var bad = await CliRunner.RunAsync(database, "import", "customers", file, "--map", "手机号码=telephone");
        bad.ExitCode.ShouldBe(1);
        bad.Error.ShouldContain("--map");
        var unmapped = await CliRunner.RunAsync(database, "import", "customers", file);
        unmapped.ExitCode.ShouldBe(1);
        unmapped.Error.ShouldContain("phone");

        var run = await CliRunner.RunAsync(database, "import", "customers", file, "--map", "手机号码=phone,客户名称=name,导购工号=owner", "--store", "SH-PD");

        run.ExitCode.ShouldBe(0, run.Error);
        Figure(run.Output, "imported").ShouldBe(2);
        await using var db = database.NewContext(tenant);
        var pudong = await db.Stores.SingleAsync(s => s.Code == "SH-PD", Ct);
        var zhao = await db.Customers.SingleAsync(c => c.Name == "赵女士", Ct);
        zhao.HomeStoreId.ShouldBe(pudong.Id);
        zhao.OwnerId.ShouldBeNull();
        (await db.Customers.SingleAsync(c => c.Name == "钱先生", Ct)).OwnerId.ShouldNotBeNull();
        folder.Delete(recursive: true);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Import_OfSeveralHundredRows_WritesEveryRowOnce(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var (tenant, _) = await SeedAsync(database);
        var folder = Directory.CreateTempSubdirectory("guidelink-import-");
        var file = Path.Combine(folder.FullName, "customers.csv");
        await File.WriteAllLinesAsync(file, ["phone,store,owner", .. Enumerable.Range(0, 250).Select(i => $"1390001{i:0000},SH-XH,{(i % 2 == 0 ? "G001" : "")}")], Ct);

        var run = await CliRunner.RunAsync(database, "import", "customers", file);

        run.ExitCode.ShouldBe(0, run.Error);
        Figure(run.Output, "imported").ShouldBe(250);
        await using var db = database.NewContext(tenant);
        (await db.Customers.CountAsync(Ct)).ShouldBe(250);
        (await db.Customers.CountAsync(c => c.OwnerId != null, Ct)).ShouldBe(125);
        (await db.Touches.CountAsync(Ct)).ShouldBe(250);
        (await db.AttributionDecisions.CountAsync(d => d.Reason == DecisionReason.NewCustomer, Ct)).ShouldBe(250);
        folder.Delete(recursive: true);
    }
}
