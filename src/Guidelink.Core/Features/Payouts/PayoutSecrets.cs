using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Guidelink.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace Guidelink.Core.Features.Payouts;

/// <summary>Encrypts what payouts keep secret, with Data Protection (its key ring is stored in the database encrypted
/// under the master key, which is not in the database): the brand's merchant settings, partners' real names, and the
/// state of a WeChat binding (time-limited, so a stolen link expires). One purpose string each, so a ciphertext of one
/// kind can never be replayed as another. The binding state is signed (HMAC-SHA256 with a key derived from the master
/// key) rather than encrypted: the ids in it are not secret, only unforgeable.</summary>
public sealed class PayoutSecrets(IDataProtectionProvider provider, MasterKey masterKey)
{
    private readonly IDataProtector _merchant = provider.CreateProtector("guidelink/payout-merchant/v1");
    private readonly IDataProtector _realName = provider.CreateProtector("guidelink/partner-real-name/v1");
    private readonly byte[] _bindingKey = masterKey.DeriveKey("guidelink/wechat-binding/v1");

    private sealed record MerchantJson(string MchId, string AppId, string AppSecret, string CertificateSerialNo, string PrivateKeyPem, string ApiV3Key,
        string PlatformKeyId, string PlatformPublicKeyPem, string TransferSceneId, List<SceneReportInfo> SceneReportInfos, string UserRecvPerception,
        string? NotifyUrl, string ApiBase);

    public string ProtectMerchant(PayoutMerchant m) => _merchant.Protect(JsonSerializer.Serialize(new MerchantJson(m.MchId, m.AppId, m.AppSecret,
        m.CertificateSerialNo, m.PrivateKeyPem, m.ApiV3Key, m.PlatformKeyId, m.PlatformPublicKeyPem, m.TransferSceneId, [.. m.SceneReportInfos],
        m.UserRecvPerception, m.NotifyUrl, m.ApiBase.ToString())));

    public PayoutMerchant UnprotectMerchant(string cipher)
    {
        var j = JsonSerializer.Deserialize<MerchantJson>(_merchant.Unprotect(cipher)) ?? throw new InvalidOperationException("Empty merchant settings.");
        return new PayoutMerchant(j.MchId, j.AppId, j.AppSecret, j.CertificateSerialNo, j.PrivateKeyPem, j.ApiV3Key, j.PlatformKeyId,
            j.PlatformPublicKeyPem, j.TransferSceneId, j.SceneReportInfos, j.UserRecvPerception, j.NotifyUrl, new Uri(j.ApiBase));
    }

    public string ProtectRealName(string name) => _realName.Protect(name);

    public string UnprotectRealName(string cipher) => _realName.Unprotect(cipher);

    /// <summary>The OAuth state: brand, partner, expiry (10 minutes) and a random nonce, signed. Letters, digits, '.'
    /// and '-' only, so it survives WeChat's redirect unchanged.</summary>
    public string BindingState(Guid tenant, Guid partner, DateTimeOffset now)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"{tenant:N}.{partner:N}.{now.AddMinutes(10).ToUnixTimeSeconds()}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        return body + "." + Sign(body);
    }

    public (Guid Tenant, Guid Partner)? ReadBindingState(string state, DateTimeOffset now)
    {
        var cut = state.LastIndexOf('.');
        if (cut < 0) return null;
        var body = state[..cut];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(state[(cut + 1)..]), Encoding.ASCII.GetBytes(Sign(body)))) return null;
        var parts = body.Split('.');
        if (parts.Length != 4 || !Guid.TryParse(parts[0], out var t) || !Guid.TryParse(parts[1], out var p)) return null;
        if (!long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || now.ToUnixTimeSeconds() >= expires) return null;
        return (t, p);
    }

    private string Sign(string body) => Convert.ToHexStringLower(HMACSHA256.HashData(_bindingKey, Encoding.UTF8.GetBytes(body)));
}
