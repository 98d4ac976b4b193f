namespace Guidelink.Core.Shared;

/// <summary>An amount of CNY in fen (1/100 yuan). Money is never a double.</summary>
public readonly record struct Money(long Fen) : IComparable<Money>
{
    public static readonly Money Zero = new(0);

    public static Money operator +(Money a, Money b) => new(checked(a.Fen + b.Fen));
    public static Money operator -(Money a, Money b) => new(checked(a.Fen - b.Fen));
    public static Money operator -(Money a) => new(checked(-a.Fen));
    public static bool operator <(Money a, Money b) => a.Fen < b.Fen;
    public static bool operator >(Money a, Money b) => a.Fen > b.Fen;
    public static bool operator <=(Money a, Money b) => a.Fen <= b.Fen;
    public static bool operator >=(Money a, Money b) => a.Fen >= b.Fen;

    public int CompareTo(Money other) => Fen.CompareTo(other.Fen);

    public static Money Add(Money a, Money b) => a + b;
    public static Money Subtract(Money a, Money b) => a - b;
    public static Money Negate(Money a) => -a;

    /// <summary>"¥1,234.56" — how statements show money.</summary>
    public override string ToString()
    {
        var sign = Fen < 0 ? "-" : "";
        var abs = Math.Abs((decimal)Fen) / 100m;
        return $"{sign}¥{abs.ToString("#,##0.00", System.Globalization.CultureInfo.InvariantCulture)}";
    }
}

/// <summary>The one rounding rule of the product: half up (away from zero at .5), to the fen.
/// Retail statements round 0.5 up; banker's rounding (to even) would surprise partners.</summary>
public static class Rounding
{
    /// <summary>numerator ÷ denominator rounded half away from zero, exactly, in integers.</summary>
    public static long DivideHalfUp(Int128 numerator, Int128 denominator)
    {
        if (denominator == 0) throw new DivideByZeroException();
        if (denominator < 0) { numerator = -numerator; denominator = -denominator; }
        var quotient = Int128.DivRem(numerator, denominator);
        var remainder = Int128.Abs(quotient.Remainder);
        var result = quotient.Quotient;
        if (remainder * 2 >= denominator) result += numerator < 0 ? -1 : 1;
        return checked((long)result);
    }

    /// <summary>amount × basisPoints ÷ 10,000, rounded half up to the fen.</summary>
    public static Money ApplyBasisPoints(Money amount, int basisPoints) =>
        new(DivideHalfUp((Int128)amount.Fen * basisPoints, 10_000));
}
