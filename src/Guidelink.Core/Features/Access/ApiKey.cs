using System.Security.Cryptography;
using System.Text;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Access;

/// <summary>A machine's key (POS, mall) scoped to one brand with named scopes. Only a SHA-256 of the key
/// is kept; the key itself is shown once. The prefix is unique across the platform and finds the row.</summary>
public sealed class ApiKey : ITenantOwned
{
    private ApiKey() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string Prefix { get; private set; } = "";
    public string SecretHash { get; private set; } = "";
    /// <summary>Space-separated permission names.</summary>
    public string Scopes { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public IReadOnlySet<string> ScopeSet => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

    /// <summary>Makes a key; returns the entity and the plain key, which is never stored.</summary>
    public static (ApiKey Key, string PlainKey) Create(TenantId tenant, string name, IEnumerable<string> scopes, DateTimeOffset now)
    {
        var prefix = RandomToken(10);
        var secret = RandomToken(32);
        var plain = $"glk_{prefix}_{secret}";
        var key = new ApiKey
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            Name = name.Trim(),
            Prefix = prefix,
            SecretHash = HashOf(plain),
            Scopes = string.Join(' ', scopes.Distinct().Order(StringComparer.Ordinal)),
            CreatedAt = now,
        };
        return (key, plain);
    }

    /// <summary>Splits "glk_PREFIX_SECRET"; null when the text is not shaped like a key.</summary>
    public static string? PrefixOf(string plainKey)
    {
        var parts = plainKey.Split('_');
        return parts.Length == 3 && parts[0] == "glk" && parts[1].Length == 10 && parts[2].Length == 32 ? parts[1] : null;
    }

    public bool Matches(string plainKey) =>
        RevokedAt is null &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(SecretHash), Encoding.ASCII.GetBytes(HashOf(plainKey)));

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    private static string HashOf(string plainKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plainKey)));

    private static string RandomToken(int length)
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
