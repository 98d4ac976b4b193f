using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Text.Json.Nodes;
using Guidelink.Core.Features.Payouts;
using Guidelink.Testing.WeChat;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Guidelink.WeChat.Tests;

/// <summary>MCHTRANSFER.BILL.FINISHED: verified, decrypted, and forged ones refused.</summary>
public sealed class NotificationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FinishedNotification_IsVerifiedAndDecrypted()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("N0001"), Ct);
        h.Fake.Succeed("N0001");
        var sent = h.Fake.Notification("N0001");

        var parsed = h.Provider.ParseNotification(h.Merchant(), sent.Headers, sent.Body);
        parsed.EventId.ShouldBe(sent.EventId);
        parsed.Result.OutBillNo.ShouldBe("N0001");
        parsed.Result.State.ShouldBe(TransferState.Success);
        parsed.Result.TransferBillNo.ShouldBe(h.Fake.Bill("N0001")!.TransferBillNo);
        parsed.Result.UpdatedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task FailNotification_CarriesTheReason_AndHeaderNamesAreCaseInsensitive()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("N0002"), Ct);
        h.Fake.Fail("N0002", "NAME_NOT_CORRECT");
        var sent = h.Fake.Notification("N0002");
        var lowerCased = sent.Headers.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value, StringComparer.Ordinal);

        var parsed = h.Provider.ParseNotification(h.Merchant(), lowerCased, sent.Body);
        parsed.Result.State.ShouldBe(TransferState.Fail);
        parsed.Result.FailReason.ShouldBe("NAME_NOT_CORRECT");
    }

    [Fact]
    public async Task ForgedOrAlteredNotifications_AreRefused()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("N0003"), Ct);
        h.Fake.Succeed("N0003");
        var sent = h.Fake.Notification("N0003");
        var merchant = h.Merchant();
        Dictionary<string, string> With(string name, string value) => new(sent.Headers, StringComparer.OrdinalIgnoreCase) { [name] = value };

        // The genuine one passes, so each refusal below is for its one alteration.
        h.Provider.ParseNotification(merchant, sent.Headers, sent.Body).Result.State.ShouldBe(TransferState.Success);

        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(merchant, sent.Headers, sent.Body.Replace("\"id\":\"EV-", "\"id\":\"EX-", StringComparison.Ordinal)));
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(merchant, With("Wechatpay-Serial", "PUB_KEY_ID_OTHER"), sent.Body));
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(merchant, With("Wechatpay-Nonce", "another-nonce"), sent.Body));
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(merchant, With("Wechatpay-Signature", "WECHATPAY/SIGNTEST/" + sent.Headers["Wechatpay-Signature"]), sent.Body));
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(merchant,
            sent.Headers.Where(p => p.Key != "Wechatpay-Signature").ToDictionary(), sent.Body));
        // A resource encrypted with another APIv3 key (signed correctly) does not decrypt.
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(merchant with { ApiV3Key = new string('k', 32) }, sent.Headers, sent.Body));
    }

    [Fact]
    public async Task ForgedNotification_SignedWithAnotherKey_IsRefused()
    {
        await using var h = await Harness.StartAsync();
        await using var forger = await FakeWeChatPayServer.StartAsync(new FakeWeChatPayOptions
        {
            MchId = h.Fake.MchId,
            AppId = h.Fake.AppId,
            ApiV3Key = h.Fake.ApiV3Key,
            PlatformKeyId = h.Fake.PlatformKeyId,
        });
        await h.Provider.SendAsync(forger.Merchant(), Harness.Transfer("N0004"), Ct);
        forger.Succeed("N0004");
        var forged = forger.Notification("N0004");
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(h.Merchant(), forged.Headers, forged.Body));
    }

    [Fact]
    public async Task StaleNotification_IsRefused_ByOurClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        await using var h = await Harness.StartAsync(clock: clock);
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("N0005"), Ct);
        h.Fake.Succeed("N0005");
        var sent = h.Fake.Notification("N0005");

        clock.Advance(TimeSpan.FromMinutes(4));
        h.Provider.ParseNotification(h.Merchant(), sent.Headers, sent.Body).Result.State.ShouldBe(TransferState.Success);
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(h.Merchant(), sent.Headers, sent.Body));
    }

    [Fact]
    public async Task GenuineNotifications_OfAnotherEventOrMerchant_AreNotTakenForOurTransfers()
    {
        await using var h = await Harness.StartAsync();
        await h.Provider.SendAsync(h.Merchant(), Harness.Transfer("N0006"), Ct);
        h.Fake.Succeed("N0006");
        var genuine = JsonNode.Parse(h.Fake.Notification("N0006").Body)!;

        var otherEvent = genuine.DeepClone();
        otherEvent["event_type"] = "TRANSACTION.SUCCESS";
        var body = otherEvent.ToJsonString();
        Should.Throw<InvalidDataException>(() => h.Provider.ParseNotification(h.Merchant(), h.Fake.Sign(body), body));

        var otherMerchant = genuine.DeepClone();
        otherMerchant["resource"] = h.Fake.EncryptResource(
            """{"mchid":"1999999999","out_bill_no":"N0006","transfer_bill_no":"1","state":"SUCCESS","update_time":"2026-12-01T08:00:00.000+08:00"}""");
        body = otherMerchant.ToJsonString();
        Should.Throw<SecurityException>(() => h.Provider.ParseNotification(h.Merchant(), h.Fake.Sign(body), body));

        // Control: the same hand-made path with our merchant id is accepted.
        var ours = genuine.DeepClone();
        ours["resource"] = h.Fake.EncryptResource(
            $$"""{"mchid":"{{h.Fake.MchId}}","out_bill_no":"N0006","transfer_bill_no":"1","state":"SUCCESS","update_time":"2026-12-01T08:00:00.000+08:00"}""");
        body = ours.ToJsonString();
        h.Provider.ParseNotification(h.Merchant(), h.Fake.Sign(body), body).Result.State.ShouldBe(TransferState.Success);
    }

    [Fact]
    public async Task Notifications_DeliveredOnceTwiceAndOutOfOrder_AllParse_WithStableEventIds()
    {
        await using var h = await Harness.StartAsync();
        var merchant = h.Merchant();
        await using var receiver = await Receiver.StartAsync(h.Provider, merchant);
        var notifyUrl = new Uri(receiver.Address, "/hooks/wechatpay/demo").AbsoluteUri;

        await h.Provider.SendAsync(merchant with { NotifyUrl = notifyUrl }, Harness.Transfer("N0007"), Ct);
        await h.Provider.SendAsync(merchant with { NotifyUrl = notifyUrl }, Harness.Transfer("N0008"), Ct);
        h.Fake.Bill("N0007")!.NotifyUrl.ShouldBe(notifyUrl);

        h.Fake.Succeed("N0007");
        (await h.Fake.NotifyAsync("N0007", times: 2, Ct)).ShouldBe(HttpStatusCode.NoContent);

        h.Fake.SetState("N0008", "CANCELING");
        var early = h.Fake.Notification("N0008");
        h.Fake.FinishCancel("N0008");
        var late = h.Fake.Notification("N0008");
        (await h.Fake.SendAsync(late, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);
        (await h.Fake.SendAsync(early, ct: Ct)).ShouldBe(HttpStatusCode.NoContent);

        var got = receiver.Received.ToList();
        got.Count.ShouldBe(4);
        got[0].ShouldBe(got[1]); // a re-delivery: same event id, same content
        got[0].Result.State.ShouldBe(TransferState.Success);
        got[2].Result.State.ShouldBe(TransferState.Cancelled);
        got[3].Result.State.ShouldBe(TransferState.Canceling);
        got[2].EventId.ShouldNotBe(got[3].EventId);

        // A forged delivery gets 401 from the receiver.
        var forged = late with { Body = late.Body.Replace("EV-", "EV-0", StringComparison.Ordinal) };
        (await h.Fake.SendAsync(forged, ct: Ct)).ShouldBe(HttpStatusCode.Unauthorized);
        receiver.Received.Count.ShouldBe(4);
    }

    /// <summary>A stand-in for the Web host's /hooks/wechatpay/{brand}: parses with the provider, 204 or 401.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Receiver(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }
        public ConcurrentQueue<TransferNotification> Received { get; } = new();

        public static async Task<Receiver> StartAsync(IPayoutProvider provider, PayoutMerchant merchant)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            Receiver? self = null;
            app.Run(async context =>
            {
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync(context.RequestAborted);
                var headers = context.Request.Headers.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                try
                {
                    self!.Received.Enqueue(provider.ParseNotification(merchant, headers, body));
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                }
                catch (SecurityException)
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            self = new Receiver(app, new Uri(address));
            return self;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
