using Microsoft.AspNetCore.Identity;

namespace Guidelink.Core.Features.Access;

/// <summary>ASP.NET Core Identity's PasswordHasher (PBKDF2, versioned format), without the rest of Identity.</summary>
public static class Passwords
{
    private static readonly PasswordHasher<UserAccount> Hasher = new();
    public const int MinimumLength = 8;

    public static string Hash(UserAccount user, string password) => Hasher.HashPassword(user, password);

    public static bool Verify(UserAccount user, string password) =>
        !string.IsNullOrEmpty(user.PasswordHash) &&
        Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;
}
