using Guidelink.Core.Features.Payouts;
using Guidelink.WeChat.OAuth;
using Guidelink.WeChat.Pay;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Guidelink.WeChat;

public static class WeChatServiceCollectionExtensions
{
    /// <summary>Registers the WeChat Pay transfer provider (as an <see cref="IPayoutProvider"/> beside any others, chosen
    /// by Kind) and <see cref="IWeChatIdentity"/>, configured from Guidelink:WeChat.</summary>
    public static IServiceCollection AddGuidelinkWeChat(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WeChatOptions>().Bind(configuration.GetSection(WeChatOptions.Section));
        services.TryAddSingleton(TimeProvider.System);

        // Request URLs carry the AppSecret (code exchange); no client here logs its requests.
        services.AddHttpClient(WeChatPayTransferProvider.HttpClientName, (sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<WeChatOptions>>().Value.PayTimeout)
            .RemoveAllLoggers();
        services.AddHttpClient(WeChatIdentity.HttpClientName, (sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<WeChatOptions>>().Value.ApiTimeout)
            .RemoveAllLoggers();

        services.TryAddSingleton<WeChatPayRateLimiter>();
        services.TryAddSingleton<WeChatPayTransferProvider>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPayoutProvider, WeChatPayTransferProvider>(
            sp => sp.GetRequiredService<WeChatPayTransferProvider>()));
        services.TryAddSingleton<IWeChatIdentity, WeChatIdentity>();
        return services;
    }
}
