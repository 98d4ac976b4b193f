using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using static Guidelink.Web.Components.Shared.L;

namespace Guidelink.Web.Components.Pages;

/// <summary>The Connect pages' words (zh-CN first, English second) for owner kinds, partner states, decision
/// reasons, channels and methods, and the card of a code's owner (name and store).</summary>
public static class ConnectText
{
    public sealed record CodeOwner(string Name, string? StoreName, string KindName, bool Active);

    public static string OwnerKindName(string? kind) => Enum.TryParse<OwnerKind>(kind, out var k) ? OwnerKindName(k) : kind ?? "";

    public static string OwnerKindName(OwnerKind kind) => kind switch
    {
        OwnerKind.OfficialGuide => T("导购", "Guide"),
        OwnerKind.Installer => T("安装师傅", "Installer"),
        OwnerKind.PartTimeGuide => T("兼职导购", "Part-time guide"),
        OwnerKind.ShareAmbassador => T("分享大使", "Share ambassador"),
        OwnerKind.AllianceStore => T("异业联盟", "Alliance store"),
        _ => kind.ToString(),
    };

    public static string PartnerKindName(PartnerKind kind) => kind switch
    {
        PartnerKind.PartTimeGuide => T("兼职导购", "Part-time guide"),
        PartnerKind.ShareAmbassador => T("分享大使", "Share ambassador"),
        PartnerKind.AllianceStore => T("异业联盟门店", "Alliance store"),
        _ => kind.ToString(),
    };

    public static string PartnerStatusName(PartnerStatus status) => status switch
    {
        PartnerStatus.Pending => T("待审核", "Pending"),
        PartnerStatus.Active => T("生效", "Active"),
        PartnerStatus.Frozen => T("已冻结", "Frozen"),
        PartnerStatus.Ended => T("已终止", "Ended"),
        _ => status.ToString(),
    };

    public static string ReasonName(string reason) => Enum.TryParse<DecisionReason>(reason, out var r) ? r switch
    {
        DecisionReason.NewCustomer => T("首次触点（新顾客）", "First touch (new customer)"),
        DecisionReason.Protected => T("保护期内，归属不变", "Protected: owner kept"),
        DecisionReason.ProtectionExpired => T("保护期已过，由新触点接手", "Protection over: taken by the new touch"),
        DecisionReason.LastTouchSwitch => T("最后触点规则，归属切换", "Last-touch rule: switched"),
        DecisionReason.ManualReassign => T("手动转移", "Manual reassignment"),
        DecisionReason.GuideLeft => T("导购离职，转交", "Guide left: handed over"),
        DecisionReason.Merge => T("顾客合并", "Customers merged"),
        DecisionReason.PartnerInactive => T("合伙人未生效或已终止", "Partner not active"),
        DecisionReason.SelfReferral => T("本人推荐本人，不计归属", "Self-referral: not counted"),
        DecisionReason.NoOwner => T("无归属（门店公海）", "No owner (store pool)"),
        _ => reason,
    } : reason;

    public static string ChannelName(string? channel) => Enum.TryParse<TouchChannel>(channel, out var c) ? c switch
    {
        TouchChannel.Staff => T("导购", "Staff"),
        TouchChannel.Partner => T("合伙人", "Partner"),
        TouchChannel.Installer => T("安装师傅", "Installer"),
        TouchChannel.Alliance => T("异业联盟", "Alliance"),
        TouchChannel.Livestream => T("直播", "Livestream"),
        TouchChannel.Event => T("活动", "Event"),
        TouchChannel.Import => T("导入", "Import"),
        TouchChannel.ShareLink => T("分享链接", "Share link"),
        _ => channel!,
    } : channel ?? "";

    public static string MethodName(string? method) => Enum.TryParse<TouchMethod>(method, out var m) ? m switch
    {
        TouchMethod.QrScan => T("扫码", "QR scan"),
        TouchMethod.Link => T("链接", "Link"),
        TouchMethod.WeComContactMe => T("企业微信「联系我」", "WeChat Work contact-me"),
        TouchMethod.EventCheckIn => T("活动签到", "Event check-in"),
        TouchMethod.Manual => T("手动录入", "Entered by staff"),
        TouchMethod.Import => T("导入", "Import"),
        _ => method!,
    } : method ?? "";

    /// <summary>Name, store and kind of a code's owner (a staff member at <paramref name="now"/>, or a partner and their
    /// home store). Reads brand-owned tables: the brand must be in scope.</summary>
    public static async Task<CodeOwner?> DescribeOwnerAsync(GuidelinkDb db, Owner owner, DateTimeOffset now, CancellationToken ct)
    {
        if (owner.IsStaff)
        {
            var staff = await db.Staff.AsNoTracking().Include(s => s.Assignments).FirstOrDefaultAsync(s => s.Id == new StaffId(owner.Id), ct);
            if (staff is null) return null;
            var storeId = staff.AssignmentAt(now)?.StoreId;
            return new CodeOwner(staff.Name, await StoreNameAsync(db, storeId, ct), OwnerKindName(owner.Kind), staff.Status == StaffStatus.Active);
        }
        var partner = await db.Partners.AsNoTracking().FirstOrDefaultAsync(p => p.Id == new PartnerId(owner.Id), ct);
        if (partner is null) return null;
        return new CodeOwner(partner.Name, await StoreNameAsync(db, partner.HomeStoreId, ct), OwnerKindName(owner.Kind), partner.Status == PartnerStatus.Active);
    }

    private static async Task<string?> StoreNameAsync(GuidelinkDb db, StoreId? store, CancellationToken ct) =>
        store is { } id ? await db.Stores.AsNoTracking().Where(s => s.Id == id).Select(s => s.Name).FirstOrDefaultAsync(ct) : null;
}
