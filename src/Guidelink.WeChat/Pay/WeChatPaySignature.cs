using System.Security.Cryptography;
using System.Text;

namespace Guidelink.WeChat.Pay;

/// <summary>WeChat Pay APIv3 signatures: the message formats and SHA256withRSA (RSASSA-PKCS1-v1_5) over them.
/// Requests are signed with the merchant's API private key; answers and notifications are signed by WeChat Pay
/// with the platform key.</summary>
public static class WeChatPaySignature
{
    /// <summary>The Authorization scheme of every APIv3 request.</summary>
    public const string Scheme = "WECHATPAY2-SHA256-RSA2048";

    /// <summary>The signed message of a request: METHOD, canonical URL (path and query exactly as sent), unix
    /// seconds, nonce and body (empty for GET), each followed by a newline (the last one too).</summary>
    public static string RequestMessage(string method, string canonicalUrl, long timestamp, string nonce, string body) =>
        $"{method}\n{canonicalUrl}\n{timestamp}\n{nonce}\n{body}\n";

    /// <summary>The canonical URL of a request: path and query as they go on the wire (already escaped).</summary>
    public static string CanonicalUrl(Uri uri) => uri.PathAndQuery;

    /// <summary>The signed message of an answer or a notification: Wechatpay-Timestamp, Wechatpay-Nonce and the raw
    /// body, each followed by a newline.</summary>
    public static string AnswerMessage(string timestamp, string nonce, string body) => $"{timestamp}\n{nonce}\n{body}\n";

    public static string Sign(RSA privateKey, string message)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(message);
        return Convert.ToBase64String(
            privateKey.SignData(Encoding.UTF8.GetBytes(message), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    public static bool Verify(RSA publicKey, string message, string signatureBase64)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(message);
        var signature = new byte[(signatureBase64?.Length ?? 0) * 3 / 4 + 3];
        if (signatureBase64 is null || !Convert.TryFromBase64String(signatureBase64, signature, out var length)) return false;
        return publicKey.VerifyData(Encoding.UTF8.GetBytes(message), signature.AsSpan(0, length), HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
    }

    /// <summary>The Authorization header value, fields in the order the official SDKs write them
    /// (mchid, nonce_str, timestamp, serial_no, signature). <paramref name="scheme"/> is a parameter only so the SDK's
    /// published vector (made with a fake algorithm name) can be checked; requests use <see cref="Scheme"/>.</summary>
    public static string Authorization(string mchId, string nonce, long timestamp, string serialNo, string signature,
        string scheme = Scheme) =>
        $"{scheme} mchid=\"{mchId}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{serialNo}\",signature=\"{signature}\"";

    /// <summary>Reads an Authorization header back into its scheme and fields (fields may come in any order).
    /// Returns null when it is not of the form <c>SCHEME k="v",k="v"</c>.</summary>
    public static (string Scheme, IReadOnlyDictionary<string, string> Fields)? ParseAuthorization(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0) return null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = header[(space + 1)..];
        var i = 0;
        while (i < rest.Length)
        {
            var eq = rest.IndexOf("=\"", i, StringComparison.Ordinal);
            if (eq < 0) return null;
            var close = rest.IndexOf('"', eq + 2);
            if (close < 0) return null;
            fields[rest[i..eq].Trim()] = rest[(eq + 2)..close];
            i = close + 1;
            if (i < rest.Length && rest[i] == ',') i++;
        }
        return (header[..space], fields);
    }

    /// <summary>A request nonce: 32 random letters and digits.</summary>
    public static string NewNonce() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32);
}
