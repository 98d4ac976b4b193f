using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Demo;

/// <summary>Plausible activity for the demo brand, so the console shows something on first start: partners
/// in every state, their codes, and ~360 touches over the last 60 days (guides, installers, partners,
/// events, livestreams, anonymous walk-ins) decided by the real attribution rules — including protected
/// losers — then the money side (<see cref="SeedDemoOrders"/>: commission rules, orders, settlement; <see cref="SeedDemoPayouts"/>: withdrawals). Deterministic for a
/// given start instant; does nothing if the brand already has customers (and orders are seeded once, by their own check).</summary>
public static class SeedDemoActivity
{
    private static readonly string[] DesignerNames = ["设计师周工", "设计师林工", "设计师吴工", "设计师郑工", "设计师冯工", "设计师陈工"];
    private static readonly string[] AmbassadorNames = ["老顾客王姐", "业主李先生", "业主赵女士", "会员孙先生", "会员钱女士", "老顾客何姐"];
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"];

    public sealed class Handler(GuidelinkDb db, TenantContext tenantContext, ActorContext actors, PiiProtector pii, RecordTouch.Handler touches,
        SeedDemoOrders.Handler orders, SeedDemoPayouts.Handler payouts, TimeProvider clock)
    {
        public async Task<int> HandleAsync(TenantId tenant, CancellationToken ct)
        {
            tenantContext.Set(tenant);
            actors.Current = Actor.System(tenant, "demo-seed");
            if (await db.Customers.AnyAsync(ct))
            {
                // A demo database from before the money side existed gets its orders on the next start.
                await orders.HandleAsync(tenant, ct);
                await payouts.HandleAsync(tenant, ct);
                return 0;
            }

            var now = clock.GetUtcNow();
            var random = new Random(20261124);
            var stores = await db.Stores.OrderBy(s => s.Code).ToListAsync(ct);
            var staff = await db.Staff.Include(s => s.Assignments).Where(s => s.Status == StaffStatus.Active).OrderBy(s => s.EmployeeNo).ToListAsync(ct);

            // Partners: per store a designer (part-time guide) and an ambassador; one allied store; one pending, one frozen.
            var partnerCodes = new List<(string Code, TouchChannel Channel)>();
            for (var i = 0; i < stores.Count; i++)
            {
                var designer = Partner.Register(tenant, PartnerKind.PartTimeGuide, DesignerNames[i], null, stores[i].Id, now.AddDays(-70));
                var ambassador = Partner.Register(tenant, PartnerKind.ShareAmbassador, AmbassadorNames[i], null, stores[i].Id, now.AddDays(-65));
                designer.SetPhone(pii.LookupHash($"+86159000000{i:00}"), PhoneNumber.Mask($"+86159000000{i:00}"));
                if (stores[i].Code == "SH-XH")
                {
                    // The partner pages need someone to sign in as: the Xuhui designer.
                    var login = UserAccount.CreateForPartner(tenant, SeedDemoBrand.PartnerLogin, designer.Id, now.AddDays(-64));
                    login.SetPasswordHash(Passwords.Hash(login, SeedDemoBrand.Password));
                    db.UserAccounts.Add(login);
                }
                foreach (var p in new[] { designer, ambassador })
                {
                    p.Approve(now.AddDays(-64));
                    db.Partners.Add(p);
                    var code = ReferralCode.Create(tenant, p.AsOwner, null, now.AddDays(-64));
                    db.ReferralCodes.Add(code);
                    partnerCodes.Add((code.Code, p.Kind == PartnerKind.PartTimeGuide ? TouchChannel.Partner : TouchChannel.ShareLink));
                }
            }
            var alliance = Partner.Register(tenant, PartnerKind.AllianceStore, "张店长", "光影灯饰（徐汇店）", stores.First(s => s.Code == "SH-XH").Id, now.AddDays(-50));
            alliance.Approve(now.AddDays(-50));
            db.Partners.Add(alliance);
            var allianceCode = ReferralCode.Create(tenant, alliance.AsOwner, null, now.AddDays(-50));
            db.ReferralCodes.Add(allianceCode);
            partnerCodes.Add((allianceCode.Code, TouchChannel.Alliance));
            db.Partners.Add(Partner.Register(tenant, PartnerKind.PartTimeGuide, "设计师申请中", null, stores[0].Id, now.AddDays(-2)));
            var frozen = Partner.Register(tenant, PartnerKind.ShareAmbassador, "暂停的大使", null, stores[1].Id, now.AddDays(-40));
            frozen.Approve(now.AddDays(-40));
            frozen.Freeze();
            db.Partners.Add(frozen);
            var frozenCode = ReferralCode.Create(tenant, frozen.AsOwner, null, now.AddDays(-40));
            db.ReferralCodes.Add(frozenCode);

            var guideCodes = new List<(string Code, TouchChannel Channel, StoreId? Store)>();
            foreach (var s in staff.Where(s => s.Role is StaffRole.Guide or StaffRole.Installer))
            {
                var code = ReferralCode.Create(tenant, Owners.OfStaff(s), null, now.AddDays(-64));
                db.ReferralCodes.Add(code);
                guideCodes.Add((code.Code, s.Role == StaffRole.Installer ? TouchChannel.Installer : TouchChannel.Staff, s.AssignmentAt(now)?.StoreId));
            }
            var eventCode = ReferralCode.Create(tenant, Owners.OfStaff(staff.First(s => s.Role == StaffRole.Guide)), "双十一门店开放日", now.AddDays(-30));
            db.ReferralCodes.Add(eventCode);
            await db.SaveChangesAsync(ct);

            // Touches in time order over the last 60 days; ~1 in 6 is a repeat visitor, whose later touches are recorded losers.
            const int count = 360;
            var recorded = 0;
            // One transaction for the whole demo history: one commit (one fsync) instead of 360.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            for (var i = 0; i < count; i++)
            {
                var at = now.AddDays(-60) + TimeSpan.FromMinutes(i * 60.0 * 24 * 59 / count + random.Next(0, 120));
                var customer = random.Next(6) == 0 && i > 10 ? random.Next(0, i) : i;
                var phone = $"1390{customer:0000000}";
                var roll = random.Next(100);
                RecordTouch.Request request;
                if (roll < 45)
                {
                    var (code, channel, store) = guideCodes[random.Next(guideCodes.Count)];
                    var method = channel == TouchChannel.Installer ? TouchMethod.QrScan : (TouchMethod)random.Next(0, 3);
                    request = new(code, null, channel.ToString(), method.ToString(), phone, null, null, DemoName(random), store?.Value, at, null);
                }
                else if (roll < 80)
                {
                    var (code, channel) = partnerCodes[random.Next(partnerCodes.Count)];
                    request = new(code, null, channel.ToString(), (random.Next(2) == 0 ? TouchMethod.Link : TouchMethod.QrScan).ToString(), phone, null, null, DemoName(random), null, at, "同意品牌保存手机号用于导购服务");
                }
                else if (roll < 88)
                    request = new(eventCode.Code, null, nameof(TouchChannel.Event), nameof(TouchMethod.EventCheckIn), phone, null, null, DemoName(random), null, at, null);
                else if (roll < 93)
                {
                    var (code, _, store) = guideCodes[random.Next(guideCodes.Count)];
                    request = new(code, null, nameof(TouchChannel.Livestream), nameof(TouchMethod.Link), phone, null, null, null, store?.Value, at, null);
                }
                else if (roll < 97)
                    request = new(null, null, nameof(TouchChannel.Import), nameof(TouchMethod.Import), phone, null, null, DemoName(random), stores[random.Next(stores.Count)].Id.Value, at, null);
                else
                    request = new(frozenCode.Code, null, nameof(TouchChannel.ShareLink), nameof(TouchMethod.Link), phone, null, null, null, null, at, null);

                if ((await touches.HandleAsync(request, ct)).IsOk) recorded++;
                db.ChangeTracker.Clear(); // keep each touch's SaveChanges small
            }
            // Tag groups the way a furniture brand profiles customers, and tags on about half of them.
            (string Name, string[] Tags)[] groups =
            [
                ("年龄段", ["25-34岁", "35-44岁", "45岁以上"]),
                ("房屋", ["新房", "二手房"]),
                ("装修阶段", ["计划中", "装修中", "已完工"]),
                ("预算", ["5万以下", "5-15万", "15万以上"]),
                ("风格", ["现代简约", "新中式", "北欧", "轻奢"]),
            ];
            var tagGroups = groups.Select(g =>
            {
                var group = TagGroup.Create(tenant, g.Name, singleChoice: g.Name != "风格");
                foreach (var tag in g.Tags) group.AddTag(tag);
                db.TagGroups.Add(group);
                return group;
            }).ToList();
            await db.SaveChangesAsync(ct);
            var customerIds = await db.Customers.OrderBy(c => c.CreatedAt).Select(c => c.Id).ToListAsync(ct);
            foreach (var id in customerIds.Where((_, i) => i % 2 == 0))
                foreach (var group in tagGroups.Where(_ => random.Next(3) > 0))
                    db.CustomerTags.Add(CustomerTag.Create(tenant, id, group.Tags[random.Next(group.Tags.Count)].Id, now));
            await db.SaveChangesAsync(ct);

            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            await orders.HandleAsync(tenant, ct);
            await payouts.HandleAsync(tenant, ct);
            return recorded;
        }
    }

    private static string DemoName(Random random) => Surnames[random.Next(Surnames.Length)] + (random.Next(2) == 0 ? "先生" : "女士");
}
