using Guidelink.Core.Features.Customers;

namespace Guidelink.Core.Tests;

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("13812345678", "+8613812345678")]
    [InlineData("138 1234 5678", "+8613812345678")]
    [InlineData("+86 138-1234-5678", "+8613812345678")]
    [InlineData("008613812345678", "+8613812345678")]
    [InlineData("19912345678", "+8619912345678")]
    public void MainlandMobiles_NormaliseToE164(string input, string expected)
    {
        PhoneNumber.TryNormalize(input, out var e164).ShouldBeTrue();
        e164.ShouldBe(expected);
        PhoneNumber.Mask(e164).ShouldBe(expected[3..6] + "****" + expected[^4..]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1381234567")]     // one digit short
    [InlineData("02112345678")]    // a Shanghai landline, not a mobile
    [InlineData("+14155552671")]   // not mainland
    [InlineData("phone")]
    public void AnythingElse_IsRefused(string input) => PhoneNumber.TryNormalize(input, out _).ShouldBeFalse();
}

public sealed class PiiProtectorTests
{
    private static PiiProtector NewProtector(byte fill) => new(new Guidelink.Core.Persistence.MasterKey(Enumerable.Repeat(fill, 32).ToArray()));

    [Fact]
    public void Phones_RoundTrip_AndNeverAppearInTheCiphertextOrTheHash()
    {
        var pii = NewProtector(7);
        var cipher = pii.Protect("+8613812345678");
        cipher.ShouldStartWith("g1.");
        cipher.ShouldNotContain("13812345678");
        pii.Unprotect(cipher).ShouldBe("+8613812345678");
        pii.Protect("+8613812345678").ShouldNotBe(cipher); // a fresh nonce every time
        pii.LookupHash("+8613812345678").ShouldBe(pii.LookupHash("+8613812345678"));
        pii.LookupHash("+8613812345678").ShouldNotContain("13812345678");
    }

    [Fact]
    public void AnotherMasterKey_CanNeitherReadNorMatch()
    {
        var cipher = NewProtector(7).Protect("+8613812345678");
        Should.Throw<System.Security.Cryptography.CryptographicException>(() => NewProtector(8).Unprotect(cipher));
        NewProtector(8).LookupHash("+8613812345678").ShouldNotBe(NewProtector(7).LookupHash("+8613812345678"));
    }
}
