using Guidelink.Core.Features.Payouts;
using Guidelink.Testing.WeChat;
using Guidelink.WeChat.Pay;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Guidelink.WeChat.Tests;

/// <summary>A fake WeChat Pay plus our real registration (AddGuidelinkWeChat) pointed at it.</summary>
internal sealed class Harness : IAsyncDisposable
{
    private Harness(FakeWeChatPayServer fake, ServiceProvider services)
    {
        Fake = fake;
        Services = services;
    }

    public FakeWeChatPayServer Fake { get; }
    public ServiceProvider Services { get; }
    public IPayoutProvider Provider => Services.GetRequiredService<WeChatPayTransferProvider>();
    public IWeChatIdentity Identity => Services.GetRequiredService<IWeChatIdentity>();
    public PayoutMerchant Merchant(string? notifyUrl = null) => Fake.Merchant(notifyUrl);

    public static async Task<Harness> StartAsync(TimeSpan? payTimeout = null, TimeProvider? clock = null, string initialState = "WAIT_USER_CONFIRM",
        Action<IServiceCollection>? configure = null)
    {
        var fake = await FakeWeChatPayServer.StartAsync(new FakeWeChatPayOptions { Clock = clock ?? TimeProvider.System, InitialState = initialState });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Guidelink:WeChat:ApiBase"] = fake.BaseAddress.AbsoluteUri,
            ["Guidelink:WeChat:OAuthBase"] = fake.BaseAddress.AbsoluteUri,
            ["Guidelink:WeChat:PayTimeout"] = (payTimeout ?? TimeSpan.FromSeconds(10)).ToString("c"),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        if (clock is not null) services.AddSingleton(clock);
        services.AddGuidelinkWeChat(configuration);
        configure?.Invoke(services);
        return new Harness(fake, services.BuildServiceProvider());
    }

    /// <summary>Changes how long the next WeChat Pay calls may take (the client reads the option each time it is made): a
    /// test that makes a call time out on purpose gives the calls after it room, so a loaded machine cannot time them out.</summary>
    public void SetPayTimeout(TimeSpan timeout) => Services.GetRequiredService<IOptions<WeChatOptions>>().Value.PayTimeout = timeout;

    public static PayoutTransfer Transfer(string outBillNo, long amountFen = 12_345, string remark = "2026年11月佣金", string? realName = null) =>
        new(outBillNo, "o-partner-openid-0001", amountFen, remark, realName);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Fake.DisposeAsync();
    }
}
