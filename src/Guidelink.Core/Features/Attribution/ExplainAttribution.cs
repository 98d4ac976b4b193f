using System.Globalization;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Attribution;

/// <summary>"Why is this customer X's?" — the decision history and one sentence, zh-CN or en, read from
/// the decision that gave the current owner the customer (and how many claims lost since).</summary>
public static class ExplainAttribution
{
    public sealed record Entry(RecordTouch.DecisionView Decision, string? PreviousOwnerName, string? OwnerName, string? ClaimantName, string? Channel, string? Method);
    public sealed record Response(Guid CustomerId, RecordTouch.OwnerView? Owner, string? OwnerName, DateTimeOffset? ProtectedUntil, string Why, IReadOnlyList<Entry> History);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<Outcome<Response>> HandleAsync(Guid customerId, string? language, CancellationToken ct)
        {
            var actor = actors.Current!;
            var id = new CustomerId(customerId);
            var customer = await db.VisibleCustomers(actor.Scope).AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
            if (customer is null) return Outcome<Response>.NotFound($"Customer {customerId} not found.");

            var decisions = await db.AttributionDecisions.AsNoTracking().Where(d => d.CustomerId == id)
                .OrderBy(d => d.DecidedAt).ThenBy(d => d.Id).ToListAsync(ct);
            var touchIds = decisions.Where(d => d.TouchId != null).Select(d => d.TouchId!.Value).ToList();
            var touches = await db.Touches.AsNoTracking().Where(t => touchIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
            var people = decisions.SelectMany(d => new[] { d.PreviousOwnerId, d.NewOwnerId, d.ClaimantId }).Where(x => x != null).Select(x => x!.Value);
            var names = await db.OwnerNamesAsync(people, ct);
            var zone = (await db.Tenants.AsNoTracking().FirstAsync(t => t.Id == customer.TenantId, ct)).Zone;
            string? Name(Guid? owner) => owner is { } o ? names.GetValueOrDefault(o, o.ToString()[..8]) : null;

            var history = decisions.Select(d =>
            {
                var touch = d.TouchId is { } tid ? touches.GetValueOrDefault(tid) : null;
                return new Entry(RecordTouch.View(d), Name(d.PreviousOwnerId), Name(d.NewOwnerId), Name(d.ClaimantId), touch?.Channel.ToString(), touch?.Method.ToString());
            }).ToList();

            var english = language?.StartsWith("en", StringComparison.OrdinalIgnoreCase) == true;
            var why = Sentence(customer, decisions, touches, Name, zone, english);
            var owner = customer.Owner is { } ow ? new RecordTouch.OwnerView(ow.Kind.ToString(), ow.Id) : null;
            return new Response(customer.Id.Value, owner, Name(customer.OwnerId), customer.ProtectedUntil, why, history);
        }
    }

    private static string MethodName(TouchMethod method, bool english) => (method, english) switch
    {
        (TouchMethod.QrScan, false) => "扫码",
        (TouchMethod.Link, false) => "分享链接",
        (TouchMethod.WeComContactMe, false) => "企业微信联系我",
        (TouchMethod.EventCheckIn, false) => "活动签到",
        (TouchMethod.Manual, false) => "导购录入",
        (TouchMethod.Import, false) => "导入",
        (TouchMethod.QrScan, true) => "QR scan",
        (TouchMethod.Link, true) => "shared link",
        (TouchMethod.WeComContactMe, true) => "WeChat Work contact-me",
        (TouchMethod.EventCheckIn, true) => "event check-in",
        (TouchMethod.Manual, true) => "entered by staff",
        _ => "import",
    };

    /// <summary>One sentence from the decision that made the current owner, plus the losing claims since.</summary>
    public static string Sentence(Customer customer, IReadOnlyList<AttributionDecision> decisions, IReadOnlyDictionary<Guid, Touch> touches,
        Func<Guid?, string?> name, TimeZoneInfo zone, bool english)
    {
        string When(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var owner = customer.Owner;
        if (owner is null)
        {
            return english
                ? "This customer has no owner: they sit in their store's pool until a manager assigns them or a touch claims them."
                : "该顾客暂无归属人，在门店公海中，等待店长分配或由新的触点认领。";
        }
        var making = decisions.LastOrDefault(d => d.Changed && d.NewOwner == owner) ?? decisions.LastOrDefault(d => d.NewOwner == owner);
        var who = name(owner.Value.Id) ?? owner.Value.Id.ToString();
        var since = making is null ? "" : When(making.DecidedAt);
        var how = making?.TouchId is { } tid && touches.TryGetValue(tid, out var touch) ? MethodName(touch.Method, english) : null;
        var protectedUntil = customer.ProtectedUntil is { } pu ? When(pu) : null;
        // Claims by others that lost after the owner got the customer (the list is in decision order).
        var lost = making is null ? 0 : decisions.SkipWhile(d => d != making).Skip(1).Count(d => !d.Changed && d.Claimant is not null && d.Claimant != owner);
        var policy = making?.PolicyVersion ?? 0;

        var core = (making?.Reason, english) switch
        {
            (DecisionReason.NewCustomer, false) => $"{who} 于 {since} 首次接触该顾客（{how ?? "录入"}），按先到先得规则成为归属人",
            (DecisionReason.NewCustomer, true) => $"{who} owns this customer as the first touch, on {since} ({how ?? "entered"})",
            (DecisionReason.ProtectionExpired, false) => $"原归属人的保护期已结束，{who} 于 {since} 的触点接手了该顾客",
            (DecisionReason.ProtectionExpired, true) => $"{who} took over on {since}, after the previous owner's protection had ended",
            (DecisionReason.LastTouchSwitch, false) => $"按最后触点规则，{who} 于 {since} 的触点接手了该顾客",
            (DecisionReason.LastTouchSwitch, true) => $"{who} owns this customer by the last-touch rule, from {since}",
            (DecisionReason.ManualReassign, false) => $"该顾客于 {since} 由店长手动分配给 {who}",
            (DecisionReason.ManualReassign, true) => $"a manager assigned this customer to {who} on {since}",
            (DecisionReason.GuideLeft, false) => $"原导购离职，该顾客于 {since} 转交给 {who}",
            (DecisionReason.GuideLeft, true) => $"the previous guide left and the customer was handed to {who} on {since}",
            (DecisionReason.Merge, false) => $"顾客合并时保留了最早的归属人 {who}",
            (DecisionReason.Merge, true) => $"in a merge the customer kept the earliest owner, {who}",
            (_, false) => $"{who} 是该顾客的归属人",
            (_, true) => $"{who} owns this customer",
        };
        var rule = policy == 0 ? (english ? "default policy" : "默认归属规则") : (english ? $"policy v{policy}" : $"归属规则 v{policy}");
        var tail = english
            ? $"{(protectedUntil is null ? "" : $"; protected until {protectedUntil}")} ({rule}){(lost > 0 ? $". {lost} later touch(es) by others were recorded without switching" : "")}."
            : $"{(protectedUntil is null ? "" : $"，保护期至 {protectedUntil}")}（{rule}）{(lost > 0 ? $"。此后他人的 {lost} 次触点已记录但未改变归属" : "")}。";
        return english ? char.ToUpperInvariant(core[0]) + core[1..] + tail : core + tail;
    }
}
