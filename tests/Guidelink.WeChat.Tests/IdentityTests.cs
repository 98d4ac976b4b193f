using System.Net;
using Guidelink.Core.Features.Payouts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Guidelink.WeChat.Tests;

/// <summary>snsapi_base: the authorize URL and code → openid, against the fake.</summary>
public sealed class IdentityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AuthorizeUrl_HasWeChatsParameterOrder_AndFragment()
    {
        await using var h = await Harness.StartAsync();
        var url = h.Identity.AuthorizeUrl(h.Merchant(), new Uri("https://brand.example/p/bind?x=1"), "st ate");
        url.AbsoluteUri.ShouldBe(
            $"{h.Fake.BaseAddress.AbsoluteUri}connect/oauth2/authorize?appid={h.Fake.AppId}&redirect_uri=https%3A%2F%2Fbrand.example%2Fp%2Fbind%3Fx%3D1&response_type=code&scope=snsapi_base&state=st%20ate#wechat_redirect");
    }

    [Fact]
    public async Task Code_FromTheAuthorizeRedirect_ExchangesForTheOpenId_Once()
    {
        await using var h = await Harness.StartAsync();
        h.Fake.AuthorizeAs = "o-partner-openid-0042";
        var url = h.Identity.AuthorizeUrl(h.Merchant(), new Uri("https://brand.example/p/bind"), "abc");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var redirect = await browser.GetAsync(url, Ct);
        redirect.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var back = redirect.Headers.Location.ShouldNotBeNull();
        back.GetLeftPart(UriPartial.Path).ShouldBe("https://brand.example/p/bind");
        var query = System.Web.HttpUtility.ParseQueryString(back.Query);
        query["state"].ShouldBe("abc");

        (await h.Identity.ExchangeCodeAsync(h.Merchant(), query["code"]!, Ct)).ShouldBe("o-partner-openid-0042");
        var reused = await Should.ThrowAsync<TransferRejectedException>(() => h.Identity.ExchangeCodeAsync(h.Merchant(), query["code"]!, Ct));
        reused.Code.ShouldBe("40163");
    }

    [Fact]
    public async Task InvalidCode_OrWrongSecret_IsRefusedWithWeChatsErrcode()
    {
        await using var h = await Harness.StartAsync();
        (await Should.ThrowAsync<TransferRejectedException>(() => h.Identity.ExchangeCodeAsync(h.Merchant(), "no-such-code", Ct)))
            .Code.ShouldBe("40029");
        var code = h.Fake.IssueCode("o-1");
        var wrongSecret = await Should.ThrowAsync<TransferRejectedException>(() =>
            h.Identity.ExchangeCodeAsync(h.Merchant() with { AppSecret = "not-the-secret" }, code, Ct));
        wrongSecret.Code.ShouldBe("40125");
        wrongSecret.Message.ShouldNotContain("not-the-secret");
        (await h.Identity.ExchangeCodeAsync(h.Merchant(), code, Ct)).ShouldBe("o-1");
    }

    [Fact]
    public void AddGuidelinkWeChat_RegistersTheProviderBesideOthers_AndBindsOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Guidelink:WeChat:OAuthBase"] = "http://127.0.0.1:1/",
            ["Guidelink:WeChat:PayTimeout"] = "00:00:07",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddGuidelinkWeChat(configuration);
        services.AddGuidelinkWeChat(configuration); // twice is harmless
        using var provider = services.BuildServiceProvider();

        provider.GetServices<IPayoutProvider>().ShouldHaveSingleItem().Kind.ShouldBe("WeChatPayTransfer");
        provider.GetRequiredService<IWeChatIdentity>().ShouldNotBeNull();
        var options = provider.GetRequiredService<IOptions<WeChatOptions>>().Value;
        options.OAuthBase.ShouldBe(new Uri("http://127.0.0.1:1/"));
        options.ApiBase.ShouldBe(new Uri("https://api.weixin.qq.com"));
        options.PayTimeout.ShouldBe(TimeSpan.FromSeconds(7));
        provider.GetRequiredService<IHttpClientFactory>().CreateClient(Pay.WeChatPayTransferProvider.HttpClientName).Timeout
            .ShouldBe(TimeSpan.FromSeconds(7));
    }
}
