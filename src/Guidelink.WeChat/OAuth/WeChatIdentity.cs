using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Guidelink.Core.Features.Payouts;
using Microsoft.Extensions.Options;

namespace Guidelink.WeChat.OAuth;

/// <summary>WeChat web authorization with scope snsapi_base: silent for the user, gives only the openid, which is all
/// a transfer needs.</summary>
public sealed class WeChatIdentity(IHttpClientFactory httpClients, IOptions<WeChatOptions> options) : IWeChatIdentity
{
    public const string HttpClientName = "Guidelink.WeChatApi";

    public Uri AuthorizeUrl(PayoutMerchant merchant, Uri redirectUri, string state)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentNullException.ThrowIfNull(redirectUri);
        // WeChat requires the parameters in exactly this order, and the #wechat_redirect fragment.
        var query = string.Create(CultureInfo.InvariantCulture,
            $"appid={Uri.EscapeDataString(merchant.AppId)}&redirect_uri={Uri.EscapeDataString(redirectUri.AbsoluteUri)}&response_type=code&scope=snsapi_base&state={Uri.EscapeDataString(state)}");
        return new Uri(options.Value.OAuthBase, $"/connect/oauth2/authorize?{query}#wechat_redirect");
    }

    public async Task<string> ExchangeCodeAsync(PayoutMerchant merchant, string code, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentException.ThrowIfNullOrEmpty(code);
        // The AppSecret travels in the query (WeChat's design); the HttpClient has its logging removed so the URL is
        // never written anywhere.
        var uri = new Uri(options.Value.ApiBase,
            $"/sns/oauth2/access_token?appid={Uri.EscapeDataString(merchant.AppId)}&secret={Uri.EscapeDataString(merchant.AppSecret)}&code={Uri.EscapeDataString(code)}&grant_type=authorization_code");
        using var response = await httpClients.CreateClient(HttpClientName).GetAsync(uri, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"WeChat answered {(int)response.StatusCode} to the code exchange.", null, response.StatusCode);
        var answer = await JsonSerializer.DeserializeAsync<AccessTokenAnswer>(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct)
            ?? throw new InvalidDataException("WeChat answered an empty body to the code exchange.");
        if (answer.ErrCode is { } errcode and not 0)
            throw new TransferRejectedException(errcode.ToString(CultureInfo.InvariantCulture), $"WeChat refused the code: {errcode} {answer.ErrMsg}");
        return string.IsNullOrEmpty(answer.OpenId)
            ? throw new InvalidDataException("WeChat's code exchange answer has no openid.")
            : answer.OpenId;
    }

    private sealed record AccessTokenAnswer(
        [property: JsonPropertyName("openid")] string? OpenId,
        [property: JsonPropertyName("scope")] string? Scope,
        [property: JsonPropertyName("errcode")] int? ErrCode,
        [property: JsonPropertyName("errmsg")] string? ErrMsg);
}
