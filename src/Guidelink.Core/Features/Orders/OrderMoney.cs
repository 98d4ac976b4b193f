using System.Globalization;

namespace Guidelink.Core.Features.Orders;

/// <summary>Amounts arrive in yuan with at most two decimals and are kept in integer fen from then on.</summary>
public static class OrderMoney
{
    /// <summary>Exact conversion; false when the amount has more than two decimals or is out of range.</summary>
    public static bool TryToFen(decimal yuan, out long fen)
    {
        fen = 0;
        var scaled = yuan * 100m;
        if (scaled != decimal.Truncate(scaled) || Math.Abs(scaled) > long.MaxValue / 4) return false;
        fen = (long)scaled;
        return true;
    }

    public static string Show(long fen) => (fen < 0 ? "-¥" : "¥") + (Math.Abs(fen) / 100m).ToString("#,##0.00", CultureInfo.InvariantCulture);
}
