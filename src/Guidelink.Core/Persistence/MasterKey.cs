using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace Guidelink.Core.Persistence;

/// <summary>The 256-bit key that encrypts the data-protection key ring at rest. It never goes into the
/// database: it comes from Guidelink:MasterKey (base64) or from a key file (embedded mode:
/// ./data/master.key, created with owner-only permissions).</summary>
public sealed class MasterKey
{
    private readonly byte[] _key;

    public MasterKey(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException("The master key must be 32 bytes (256 bits).", nameof(key));
        _key = key;
    }

    public static MasterKey Load(string? base64, string? keyFile, bool createFileIfMissing)
    {
        if (!string.IsNullOrWhiteSpace(base64)) return new MasterKey(Convert.FromBase64String(base64.Trim()));
        if (!string.IsNullOrWhiteSpace(keyFile))
        {
            if (File.Exists(keyFile)) return new MasterKey(Convert.FromBase64String(File.ReadAllText(keyFile).Trim()));
            if (createFileIfMissing)
            {
                var key = RandomNumberGenerator.GetBytes(32);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keyFile))!);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using (var stream = new FileStream(keyFile, options))
                using (var writer = new StreamWriter(stream)) writer.Write(Convert.ToBase64String(key));
                return new MasterKey(key);
            }
        }
        throw new InvalidOperationException(
            "No master key: set Guidelink__MasterKey (32 random bytes, base64) or Guidelink__MasterKeyFile to an existing key file.");
    }

    /// <summary>A separate key for one purpose (HKDF-SHA256), so the master key itself is used only for the key ring.</summary>
    public byte[] DeriveKey(string purpose) => HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, info: Encoding.UTF8.GetBytes(purpose));

    public byte[] Encrypt(byte[] plain)
    {
        var nonce = RandomNumberGenerator.GetBytes(12);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        using var aes = new AesGcm(_key, 16);
        aes.Encrypt(nonce, plain, cipher, tag);
        return [.. nonce, .. tag, .. cipher];
    }

    public byte[] Decrypt(byte[] sealedBytes)
    {
        var nonce = sealedBytes.AsSpan(0, 12);
        var tag = sealedBytes.AsSpan(12, 16);
        var cipher = sealedBytes.AsSpan(28);
        var plain = new byte[cipher.Length];
        using var aes = new AesGcm(_key, 16);
        aes.Decrypt(nonce, cipher, tag, plain);
        return plain;
    }
}

/// <summary>Encrypts each data-protection key element with the master key (AES-256-GCM) before it is stored.</summary>
public sealed class MasterKeyXmlEncryptor(MasterKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var element = new XElement("encryptedKey",
            new XComment(" AES-256-GCM under the Guidelink master key, which is not in this database "),
            new XElement("value", Convert.ToBase64String(key.Encrypt(plain))));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>Activated by Data Protection with the service provider (hence the constructor shape).</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetRequiredService<MasterKey>();
        var value = encryptedElement.Element("value")?.Value ?? throw new InvalidOperationException("Encrypted key element has no value.");
        return XElement.Parse(Encoding.UTF8.GetString(key.Decrypt(Convert.FromBase64String(value))));
    }
}
