using Guidelink.Core.Shared;

namespace Guidelink.Core.Tests;

public sealed class RoundingTests
{
    [Theory]
    [InlineData(5, 10, 1)]      // 0.5 → 1 (half up, not to even)
    [InlineData(15, 10, 2)]     // 1.5 → 2
    [InlineData(25, 10, 3)]     // 2.5 → 3 (banker's would give 2)
    [InlineData(14, 10, 1)]
    [InlineData(-25, 10, -3)]   // symmetric: half away from zero
    [InlineData(-14, 10, -1)]
    [InlineData(0, 7, 0)]
    public void DivideHalfUp_RoundsHalfAwayFromZero(long numerator, long denominator, long expected) =>
        Rounding.DivideHalfUp(numerator, denominator).ShouldBe(expected);

    [Fact]
    public void ApplyBasisPoints_RoundsOnceToTheFen()
    {
        // ¥123.45 at 3.5% = 432.075 fen → 432 fen; ¥0.15 at 10% = 1.5 fen → 2 fen.
        Rounding.ApplyBasisPoints(new Money(12_345), 350).ShouldBe(new Money(432));
        Rounding.ApplyBasisPoints(new Money(15), 1_000).ShouldBe(new Money(2));
    }

    [Fact]
    public void Money_PrintsAsYuan() => new Money(-123_456).ToString().ShouldBe("-¥1,234.56");
}
