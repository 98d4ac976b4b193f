namespace Guidelink.WeChat;

/// <summary>Section Guidelink:WeChat. Base addresses are settings so tests point them at a local fake server.
/// WeChat Pay's own base (api.mch.weixin.qq.com) is per brand, in <see cref="Core.Features.Payouts.PayoutMerchant.ApiBase"/>.</summary>
public sealed class WeChatOptions
{
    public const string Section = "Guidelink:WeChat";

    /// <summary>Where the browser is sent for OAuth (connect/oauth2/authorize).</summary>
    public Uri OAuthBase { get; set; } = new("https://open.weixin.qq.com");

    /// <summary>The official-account API (sns/oauth2/access_token).</summary>
    public Uri ApiBase { get; set; } = new("https://api.weixin.qq.com");

    /// <summary>How long one WeChat Pay call may take before its outcome counts as unknown.</summary>
    public TimeSpan PayTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one official-account API call may take.</summary>
    public TimeSpan ApiTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
