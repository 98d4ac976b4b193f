using System.Globalization;
using System.Security;
using Guidelink.Core.Features.Payouts;

namespace Guidelink.WeChat.Pay;

/// <summary>Checks that an answer or a notification comes from WeChat Pay: Wechatpay-Serial names the platform key we
/// hold, Wechatpay-Timestamp is within five minutes of our clock (a replayed old message is refused), and
/// Wechatpay-Signature verifies over <c>timestamp\nnonce\nbody\n</c> with the platform public key.</summary>
public sealed class WeChatPayVerifier(TimeProvider clock)
{
    public const string SerialHeader = "Wechatpay-Serial";
    public const string TimestampHeader = "Wechatpay-Timestamp";
    public const string NonceHeader = "Wechatpay-Nonce";
    public const string SignatureHeader = "Wechatpay-Signature";

    /// <summary>How far a message's timestamp may be from our clock, either way (WeChat Pay's own rule).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Throws <see cref="SecurityException"/> (saying which check failed, never a key) unless the message
    /// verifies. <paramref name="header"/> looks a header up by name, case-insensitively.</summary>
    public void Verify(PayoutMerchant merchant, Func<string, string?> header, string body)
    {
        ArgumentNullException.ThrowIfNull(merchant);
        ArgumentNullException.ThrowIfNull(header);
        var serial = header(SerialHeader);
        var timestamp = header(TimestampHeader);
        var nonce = header(NonceHeader);
        var signature = header(SignatureHeader);
        if (serial is null || timestamp is null || nonce is null || signature is null)
            throw new SecurityException("The WeChat Pay signature headers are missing.");
        if (!string.Equals(serial, merchant.PlatformKeyId, StringComparison.Ordinal))
            throw new SecurityException($"Signed with platform key '{serial}', not the configured one.");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            throw new SecurityException("Wechatpay-Timestamp is not a number.");
        var skew = clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (skew.Duration() > MaxClockSkew)
            throw new SecurityException($"Wechatpay-Timestamp is {skew.TotalSeconds:F0} s away from our clock.");
        using var key = WeChatPayKeys.PlatformKey(merchant.PlatformPublicKeyPem);
        if (!WeChatPaySignature.Verify(key, WeChatPaySignature.AnswerMessage(timestamp, nonce, body ?? ""), signature))
            throw new SecurityException("The WeChat Pay signature does not verify.");
    }

    /// <summary>A case-insensitive lookup over a header dictionary that may have been built case-sensitively.</summary>
    public static Func<string, string?> Lookup(IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return name =>
        {
            if (headers.TryGetValue(name, out var value)) return value;
            foreach (var (key, v) in headers)
                if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return v;
            return null;
        };
    }
}
