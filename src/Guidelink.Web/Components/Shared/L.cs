using System.Globalization;
using Guidelink.Core.Features.Organization;

namespace Guidelink.Web.Components.Shared;

/// <summary>The console's two languages, side by side at the point of use: zh-CN first, English second.
/// Few enough strings that a resource-file indirection would only hide them.</summary>
public static class L
{
    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public static string T(string zh, string en) => IsEnglish ? en : zh;

    public static string RoleName(StaffRole role) => role switch
    {
        StaffRole.HqAdmin => T("总部管理员", "HQ admin"),
        StaffRole.RegionalManager => T("区域经理", "Regional manager"),
        StaffRole.StoreManager => T("店长", "Store manager"),
        StaffRole.Guide => T("导购", "Guide"),
        StaffRole.Installer => T("安装师傅", "Installer"),
        StaffRole.Finance => T("财务", "Finance"),
        StaffRole.Auditor => T("审计", "Auditor"),
        _ => role.ToString(),
    };

    public static string StatusName(StaffStatus status) => status == StaffStatus.Active ? T("在职", "Active") : T("已离职", "Left");

    public static string StoreStatusName(StoreStatus status) => status == StoreStatus.Open ? T("营业中", "Open") : T("已关闭", "Closed");

    /// <summary>A transfer's fail reason code in the current language, with the code beside it for support.
    /// An unknown code (a bank file's free text) is already shown inside the generic message.</summary>
    public static string FailReason(string? code) => Guidelink.WeChat.Pay.TransferFailReasons.IsKnown(code)
        ? $"{Guidelink.WeChat.Pay.TransferFailReasons.Describe(code, IsEnglish)} ({code})"
        : Guidelink.WeChat.Pay.TransferFailReasons.Describe(code, IsEnglish);

    /// <summary>Instants are stored in UTC and shown in the brand's zone.</summary>
    public static string When(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
