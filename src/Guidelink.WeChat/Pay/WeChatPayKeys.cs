using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Guidelink.WeChat.Pay;

/// <summary>Key loading and the two encryptions WeChat Pay uses besides signatures.</summary>
public static class WeChatPayKeys
{
    /// <summary>The merchant API private key (PKCS#8 or PKCS#1 PEM).</summary>
    public static RSA PrivateKey(string pem) => FromPem(pem);

    private static RSA FromPem(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>The platform key: a WeChat Pay public key ("PUB_KEY_ID_…", SPKI PEM) or, for merchants still on
    /// platform certificates, the certificate PEM.</summary>
    public static RSA PlatformKey(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            return certificate.GetRSAPublicKey() ?? throw new CryptographicException("The platform certificate has no RSA key.");
        }
        return FromPem(pem);
    }

    /// <summary>Encrypts a sensitive field (user_name) with the platform public key. WeChat Pay requires RSA-OAEP with
    /// SHA-1 (RSA/ECB/OAEPWithSHA-1AndMGF1Padding); the request then names the key in Wechatpay-Serial.</summary>
    public static string EncryptSensitive(RSA platformKey, string plaintext)
    {
        ArgumentNullException.ThrowIfNull(platformKey);
        return Convert.ToBase64String(platformKey.Encrypt(Encoding.UTF8.GetBytes(plaintext), RSAEncryptionPadding.OaepSHA1));
    }
}

/// <summary>AEAD_AES_256_GCM as WeChat Pay uses it for notification resources: the key is the 32-byte APIv3 key
/// (its UTF-8 bytes), the nonce is 12 characters, and the ciphertext is base64 of ciphertext ‖ 16-byte tag.</summary>
public static class AeadAes256Gcm
{
    private const int TagSize = 16;

    /// <summary>Decrypts; throws <see cref="CryptographicException"/> when the key, nonce, associated data or
    /// ciphertext do not match (the tag does not verify).</summary>
    public static string Decrypt(string apiV3Key, string nonce, string? associatedData, string ciphertextBase64)
    {
        var key = KeyBytes(apiV3Key);
        var data = Convert.FromBase64String(ciphertextBase64);
        if (data.Length < TagSize) throw new CryptographicException("The ciphertext is shorter than its tag.");
        var plaintext = new byte[data.Length - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(Encoding.UTF8.GetBytes(nonce), data.AsSpan(0, plaintext.Length), data.AsSpan(plaintext.Length), plaintext,
            Encoding.UTF8.GetBytes(associatedData ?? ""));
        return Encoding.UTF8.GetString(plaintext);
    }

    public static string Encrypt(string apiV3Key, string nonce, string? associatedData, string plaintext)
    {
        var key = KeyBytes(apiV3Key);
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[input.Length + TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(Encoding.UTF8.GetBytes(nonce), input, output.AsSpan(0, input.Length), output.AsSpan(input.Length),
            Encoding.UTF8.GetBytes(associatedData ?? ""));
        return Convert.ToBase64String(output);
    }

    private static byte[] KeyBytes(string apiV3Key)
    {
        ArgumentNullException.ThrowIfNull(apiV3Key);
        var key = Encoding.UTF8.GetBytes(apiV3Key);
        // Deliberately no echo of the key in the message: it is a secret.
        if (key.Length != 32) throw new CryptographicException("The APIv3 key must be 32 bytes.");
        return key;
    }
}
