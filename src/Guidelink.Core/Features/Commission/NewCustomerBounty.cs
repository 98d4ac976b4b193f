using Guidelink.Core.Features.Attribution;

namespace Guidelink.Core.Features.Commission;

/// <summary>What the bounty decision needs, all as of the order's placedAt.</summary>
/// <param name="IsCustomersFirstPaidOrder">This is the customer's first paid order with the brand.</param>
/// <param name="CreditedOwner">The owner credited with the order at placedAt; null when the customer was in the store pool.</param>
/// <param name="FirstTouchOwner">Whoever made the customer's first touch; null when the customer arrived with no touch.</param>
/// <param name="BountyFen">The bounty the brand pays for a new customer (老带新), ≥ 0.</param>
/// <param name="DailyCapFen">The most bounty one earner can get in a brand-time calendar day; null for no cap.</param>
/// <param name="AlreadyPaidTodayFen">The earner's bounties already granted on the brand-time calendar day of placedAt
/// (see <see cref="BrandCalendar.DayWindow"/>), before this one.</param>
public sealed record BountyRequest(
    bool IsCustomersFirstPaidOrder,
    Owner? CreditedOwner,
    Owner? FirstTouchOwner,
    long BountyFen,
    long? DailyCapFen,
    long AlreadyPaidTodayFen);

/// <summary>Why a bounty is or is not paid; recorded with the decision.</summary>
public enum BountyReason
{
    /// <summary>Paid in full.</summary>
    Paid,
    /// <summary>Not the customer's first paid order.</summary>
    NotFirstPaidOrder,
    /// <summary>Nobody was credited with the order (store pool).</summary>
    NoOwner,
    /// <summary>The credited owner did not make the customer's first touch.</summary>
    NotFirstTouch,
    /// <summary>Paying would take the earner over the daily cap; no partial bounty.</summary>
    DailyCapReached,
}

/// <summary>The bounty decision: the amount (0 or the full bounty) to whom, and why.</summary>
/// <param name="Reason">Paid, or why not.</param>
/// <param name="Earner">Who is paid; null when nothing is paid.</param>
/// <param name="AmountFen">The bounty paid: the full bounty or 0, never part of it.</param>
/// <param name="ExplanationZh">One sentence for the statement, zh-CN.</param>
/// <param name="ExplanationEn">The same sentence in English.</param>
public sealed record BountyDecision(BountyReason Reason, Owner? Earner, long AmountFen, string ExplanationZh, string ExplanationEn)
{
    public bool Pays => Reason == BountyReason.Paid;
}

/// <summary>The new-customer bounty (DOMAIN.md "New-customer bounty"). Pure: the caller passes the facts as
/// of placedAt; the decision is made once and never revised.</summary>
public static class NewCustomerBounty
{
    /// <summary>Pays the bounty to the owner credited with the customer's first paid order, only if that owner
    /// made the customer's first touch, and only in full: when it would take the earner's bounties of the day
    /// over the cap, nothing is paid. Reaching the cap exactly is allowed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative bounty, cap or amount already paid.</exception>
    public static BountyDecision Decide(BountyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.BountyFen < 0) throw new ArgumentOutOfRangeException(nameof(request), request.BountyFen, "The bounty cannot be negative.");
        if (request.DailyCapFen < 0) throw new ArgumentOutOfRangeException(nameof(request), request.DailyCapFen, "The daily cap cannot be negative.");
        if (request.AlreadyPaidTodayFen < 0) throw new ArgumentOutOfRangeException(nameof(request), request.AlreadyPaidTodayFen, "Bounties already paid cannot be negative.");

        if (!request.IsCustomersFirstPaidOrder)
            return None(BountyReason.NotFirstPaidOrder, "不是顾客的首个付款订单", "not the customer's first paid order");
        if (request.CreditedOwner is not { } owner)
            return None(BountyReason.NoOwner, "订单没有归属人（门店公海）", "nobody was credited with the order (store pool)");
        if (request.FirstTouchOwner != owner)
            return None(BountyReason.NotFirstTouch, "归属人不是顾客的首次触达人", "the credited owner was not the customer's first touch");

        var bounty = new Shared.Money(request.BountyFen);
        if (request.DailyCapFen is { } cap && checked(request.AlreadyPaidTodayFen + request.BountyFen) > cap)
            return None(BountyReason.DailyCapReached,
                $"当日已得 {new Shared.Money(request.AlreadyPaidTodayFen)}，再发 {bounty} 将超过每日上限 {new Shared.Money(cap)}（不发部分奖励）",
                $"{new Shared.Money(request.AlreadyPaidTodayFen)} already granted today; {bounty} more would exceed the daily cap of {new Shared.Money(cap)} (no partial bounty)");

        return new BountyDecision(BountyReason.Paid, owner, request.BountyFen,
            $"老带新奖励 {bounty}：首个付款订单，且归属人是首次触达人。",
            $"New-customer bounty {bounty}: the customer's first paid order, credited to their first touch.");
    }

    private static BountyDecision None(BountyReason reason, string zh, string en) =>
        new(reason, null, 0, $"不发老带新奖励：{zh}。", $"No new-customer bounty: {en}.");
}
