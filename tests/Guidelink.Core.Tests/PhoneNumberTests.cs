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
