using System.Security.Cryptography;
using System.Text;
using Guidelink.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace Guidelink.Core.Features.Customers;

/// <summary>Keeps phone numbers out of the database in the clear: a keyed hash (HMAC-SHA256 under a key
/// derived from the master key) finds and de-duplicates them, and the number itself is stored encrypted
/// with Data Protection. Neither key is in the database.</summary>
public sealed class PiiProtector
{
    private readonly byte[] _lookupKey;
    private readonly IDataProtector _protector;

    public PiiProtector(MasterKey masterKey, IDataProtectionProvider protection)
    {
        _lookupKey = masterKey.DeriveKey("guidelink/phone-lookup/v1");
        _protector = protection.CreateProtector("Guidelink.Customers.Phone.v1");
    }

    /// <summary>Creates the data-protection key ring now if it does not exist yet. Creating it writes to the
    /// database on a connection of its own, which must not happen inside another open write transaction
    /// (on SQLite it would wait for that transaction forever).</summary>
    public void EnsureKeyRing() => _protector.Protect("key-ring-ready");

    public string LookupHash(string e164) => Convert.ToHexStringLower(HMACSHA256.HashData(_lookupKey, Encoding.UTF8.GetBytes(e164)));

    public string Protect(string e164) => _protector.Protect(e164);

    public string Unprotect(string cipher) => _protector.Unprotect(cipher);
}
