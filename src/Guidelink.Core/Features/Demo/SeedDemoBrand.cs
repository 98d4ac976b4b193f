using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Demo;

/// <summary>Seeds the demo furniture brand 栖木家居 (slug "qimu"): 2 regions, 6 stores, 24 guides, their
/// managers, installers, HQ admin, finance and auditor — deterministic names, idempotent (a second run
/// finds the brand and does nothing). Only for the embedded mode or `guidelink seed demo`.</summary>
public static class SeedDemoBrand
{
    public const string Slug = "qimu";
    public const string Password = "guidelink-demo";

    public sealed record DemoLogin(string Login, string Role, string Who);
    public sealed record Response(bool Created, Guid TenantId, IReadOnlyList<DemoLogin> Logins);

    private static readonly (string Code, string Name, (string Code, string Name, string City, string Address, string? Mall)[] Stores)[] Regions =
    [
        ("EAST", "华东区", [
            ("SH-XH", "上海徐汇旗舰店", "上海", "徐汇区漕溪北路 88 号", null),
            ("SH-PD", "上海浦东正大广场店", "上海", "浦东新区陆家嘴西路 168 号 4F", "正大广场"),
            ("HZ-XH", "杭州西湖店", "杭州", "西湖区文三路 259 号", null),
        ]),
        ("SOUTH", "华南区", [
            ("GZ-TH", "广州天河店", "广州", "天河区天河路 383 号", null),
            ("SZ-NS", "深圳南山海岸城店", "深圳", "南山区文心五路 33 号 3F", "海岸城"),
            ("FS-SD", "佛山顺德店", "佛山", "顺德区大良街道东乐路 2 号", null),
        ]),
    ];

    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"];
    private static readonly string[] GivenNames = ["欣怡", "子涵", "浩然", "雨桐", "梓萱", "宇轩", "思琪", "俊杰", "佳怡", "晨曦", "一诺", "嘉懿", "明轩", "诗涵", "博文", "若曦", "天佑", "静怡", "子墨", "可馨", "昊天", "梦瑶", "文博", "芷若", "泽宇", "紫涵", "皓轩", "雅琪", "宏伟", "慧敏", "志强", "丽娟", "建国", "美玲", "海涛"];

    /// <summary>Person n's name: deterministic, varied, never repeating within the demo.</summary>
    private static string NameOf(int n) => Surnames[(n * 7) % Surnames.Length] + GivenNames[n % GivenNames.Length]; // unique for n < 140

    public sealed class Handler(GuidelinkDb db, TenantContext tenantContext, ActorContext actors, TimeProvider clock)
    {
        public async Task<Response> HandleAsync(CancellationToken ct)
        {
            var existing = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Slug == Slug, ct);
            if (existing is not null) return new Response(false, existing.Id.Value, Logins);

            var now = clock.GetUtcNow();
            // Everyone "joined" on fixed dates, so the demo reads the same on every machine.
            var opened = new DateTimeOffset(2025, 3, 1, 1, 0, 0, TimeSpan.Zero);
            if (opened > now) opened = now;

            var tenant = Tenant.Create(Slug, "栖木家居", Tenant.DefaultTimeZone, now);
            db.Tenants.Add(tenant);
            await db.SaveChangesAsync(ct);
            tenantContext.Set(tenant.Id);
            actors.Current = Actor.System(tenant.Id, "demo-seed");

            var person = 0;
            Staff Hire(string no, StaffRole role, RegionId? region, StoreId? store, string? login)
            {
                var staff = Staff.Hire(tenant.Id, no, NameOf(person++), role, opened.AddDays(person % 40));
                staff.AssignTo(region, store, staff.JoinedAt);
                db.Staff.Add(staff);
                if (login is not null)
                {
                    var account = UserAccount.Create(tenant.Id, login, staff.Id, now);
                    account.SetPasswordHash(Passwords.Hash(account, Password));
                    db.UserAccounts.Add(account);
                }
                return staff;
            }

            Hire("HQ001", StaffRole.HqAdmin, null, null, "demo-admin");
            Hire("HQ002", StaffRole.Finance, null, null, "demo-finance");
            Hire("HQ003", StaffRole.Auditor, null, null, "demo-auditor");

            var guideNo = 0;
            foreach (var (regionCode, regionName, stores) in Regions)
            {
                var region = Region.Create(tenant.Id, regionCode, regionName, now);
                db.Regions.Add(region);
                Hire($"RM-{regionCode}", StaffRole.RegionalManager, region.Id, null, $"demo-{regionCode.ToLowerInvariant()}");
                foreach (var (code, name, city, address, mall) in stores)
                {
                    var store = Store.Create(tenant.Id, region.Id, code, name, city, address, mall, now);
                    db.Stores.Add(store);
                    Hire($"SM-{code}", StaffRole.StoreManager, null, store.Id, code == "SH-XH" ? "demo-store" : null);
                    for (var i = 0; i < 4; i++)
                    {
                        guideNo++;
                        Hire($"G{guideNo:000}", StaffRole.Guide, null, store.Id, guideNo == 1 ? "demo-guide" : null);
                    }
                    Hire($"IN-{code}", StaffRole.Installer, null, store.Id, null);
                }
            }
            await db.SaveChangesAsync(ct);
            return new Response(true, tenant.Id.Value, Logins);
        }
    }

    public static readonly IReadOnlyList<DemoLogin> Logins =
    [
        new("demo-admin", "HqAdmin", "总部管理员 / HQ admin"),
        new("demo-east", "RegionalManager", "华东区经理 / East region manager"),
        new("demo-store", "StoreManager", "上海徐汇旗舰店店长 / Shanghai Xuhui store manager"),
        new("demo-guide", "Guide", "上海徐汇旗舰店导购 / Shanghai Xuhui guide"),
        new("demo-finance", "Finance", "财务 / Finance"),
        new("demo-auditor", "Auditor", "审计 / Auditor"),
        new(PartnerLogin, "Partner", "徐汇店设计师合伙人 / Xuhui designer partner"),
    ];

    /// <summary>Created with the demo activity (partners, customers), not with the bare org.</summary>
    public const string PartnerLogin = "demo-partner";
}
