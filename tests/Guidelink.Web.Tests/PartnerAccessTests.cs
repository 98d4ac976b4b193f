using System.Net;
using System.Net.Http.Json;
using Guidelink.Core.Persistence;
using Guidelink.Testing;

namespace Guidelink.Web.Tests;

/// <summary>A partner signs in and sees only their own code and customers, phones masked; a pending partner
/// cannot sign in; manager-only data stays closed.</summary>
public sealed class PartnerAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task APartnerSeesOnlyTheirOwnCodeAndCustomers_WithMaskedPhones(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var store = await server.ClientAsAsync("demo-store");
        var storeId = await store.StoreIdAsync("SH-XH");
        async Task<(string Id, string Code)> PartnerAsync(string name, string login)
        {
            var id = (await store.PostJsonAsync("/api/partners", new { kind = "ShareAmbassador", name, homeStoreId = storeId }, HttpStatusCode.Created)).Str("id");
            await store.PostJsonAsync($"/api/partners/{id}/approve", new { }, HttpStatusCode.OK);
            await store.PostJsonAsync($"/api/partners/{id}/login", new { login, password = "partner-pass-1" }, HttpStatusCode.Created);
            return (id, (await store.GetJsonAsync($"/api/codes?partnerId={id}")).Str("code"));
        }
        var (mine, myCode) = await PartnerAsync("业主李先生", "li-partner");
        var (other, otherCode) = await PartnerAsync("业主赵女士", "zhao-partner");
        var myCustomer = (await store.PostJsonAsync("/api/touches", new { code = myCode, phone = "13800138001", channel = "ShareLink", method = "Link" }, HttpStatusCode.OK)).Str("customerId");
        await store.PostJsonAsync("/api/touches", new { code = otherCode, phone = "13800138002", channel = "ShareLink", method = "Link" }, HttpStatusCode.OK);

        using var partner = await server.ClientAsAsync("li-partner", "partner-pass-1");
        var me = await partner.GetJsonAsync("/api/auth/me");
        me.Str("kind").ShouldBe("Partner");
        me.Str("partnerId").ShouldBe(mine);

        (await partner.GetJsonAsync("/api/codes")).Str("code").ShouldBe(myCode);
        await partner.GetJsonAsync($"/api/codes?partnerId={other}", HttpStatusCode.Forbidden);

        var customers = (await partner.GetJsonAsync("/api/customers")).EnumerateArray().ToList();
        customers.Select(c => c.Str("id")).ShouldBe([myCustomer]);
        customers[0].Str("phone").ShouldBe("138****8001");
        (await partner.GetJsonAsync($"/api/customers/{myCustomer}")).Str("phone").ShouldBe("138****8001");

        // Manager-only data and writes stay closed.
        (await partner.GetAsync("/api/partners", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await partner.GetAsync("/api/analytics/fans", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await partner.GetAsync("/api/org/stores", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await partner.PostAsJsonAsync("/api/touches", new { phone = "13800138003", channel = "Staff", method = "Manual" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task APendingPartnerCannotSignIn_AndBadLoginRequestsNameTheField(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await GuidelinkInstance.StartAsync(database);
        using var store = await server.ClientAsAsync("demo-store");
        var storeId = await store.StoreIdAsync("SH-XH");
        var id = (await store.PostJsonAsync("/api/partners", new { kind = "PartTimeGuide", name = "设计师申请中", homeStoreId = storeId }, HttpStatusCode.Created)).Str("id");

        var bad = await store.PostJsonAsync($"/api/partners/{id}/login", new { login = "demo-guide", password = "short" }, HttpStatusCode.BadRequest);
        bad.ErrorFields().ShouldBe(["login", "password"]);
        await store.PostJsonAsync($"/api/partners/{id}/login", new { login = "pending-partner", password = "partner-pass-1" }, HttpStatusCode.Created);
        await store.PostJsonAsync($"/api/partners/{id}/login", new { login = "pending-partner-2", password = "partner-pass-1" }, HttpStatusCode.BadRequest);

        using var anonymous = server.Client();
        var signIn = await anonymous.PostAsJsonAsync("/api/auth/token", new { login = "pending-partner", password = "partner-pass-1" }, Ct);
        signIn.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        await store.PostJsonAsync($"/api/partners/{id}/approve", new { }, HttpStatusCode.OK);
        using var partner = await server.ClientAsAsync("pending-partner", "partner-pass-1");
        (await partner.GetJsonAsync("/api/customers")).GetArrayLength().ShouldBe(0);
    }
}
