using System.Diagnostics;
using System.Net;
using System.Text;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Features.Payouts;
using Guidelink.Core.Persistence;
using Guidelink.Testing;
using Guidelink.Testing.WeChat;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Guidelink.Web.Tests.PayoutApiTests;

namespace Guidelink.Web.Tests;

/// <summary>The crash test: the server runs as a real child process (dotnet Guidelink.Web.dll, with the arguments
/// GuidelinkInstance passes) with its job runner on, and dies in the sender — between "payout committed" and "request
/// sent" (AfterCommit), after "sent, answer not recorded" (AfterSend), or killed while WeChat has accepted the bill and
/// not answered (Kill). A normal instance then starts on the same database; after its sender and reconciliation every
/// bill exists once at the fake WeChat Pay, every withdrawal is paid out once, and every ledger posting sums to zero.</summary>
public sealed class WeChatPayoutCrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Real time plus an offset the test moves forward (the restarted instance is "three minutes later", past
    /// the dead sender's claim). Shared by the fake WeChat Pay and the restarted instance; the child uses real time.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    public static TheoryData<DatabaseProvider, string> Crashes => new()
    {
        { DatabaseProvider.Sqlite, PayoutCrashFault.AfterCommit },
        { DatabaseProvider.Sqlite, PayoutCrashFault.AfterSend },
        { DatabaseProvider.Sqlite, "Kill" },
        { DatabaseProvider.Postgres, PayoutCrashFault.AfterCommit },
        { DatabaseProvider.Postgres, "Kill" },
    };

    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task AServerThatDiesInTheSender_PaysEveryBillExactlyOnceAfterRestart(DatabaseProvider provider, string crash)
    {
        var clock = new ShiftedClock();
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var fake = await FakeWeChatPayServer.StartAsync(new FakeWeChatPayOptions { Clock = clock });

        // Before: the brand pays by WeChat; two partners each have an approved withdrawal (bill numbers committed).
        var withdrawals = new List<(string Id, string Bill, long Net, string Holder)>();
        await using (var setup = await GuidelinkInstance.StartAsync(database, services: s => s.AddSingleton<TimeProvider>(clock),
                         extraArgs: WeChatPayoutTests.WeChatArgs(fake)))
        {
            using var admin = await setup.ClientAsAsync("demo-admin");
            await admin.PutJsonAsync("/api/payouts/settings", WeChatPayoutTests.Settings(fake, setup.BaseAddress), HttpStatusCode.OK);
            foreach (var login in new[] { "crash-payee-1", "crash-payee-2" })
            {
                var partner = await PartnerAsync(setup, admin, login);
                await BindOpenIdAsync(database, partner.Id, "o-" + login);
                await CreditAsync(database, partner.Holder, 100_000);
                var w = await partner.Client.PostJsonAsync("/api/payouts/withdrawals", new { amount = 300m }, HttpStatusCode.Created);
                w.Str("status").ShouldBe("Approved");
                withdrawals.Add((w.Str("id"), w.Str("outBillNo"), w.GetProperty("netFen").GetInt64(), partner.Holder));
                partner.Client.Dispose();
            }
        }

        // The crash: a real server process whose sender job picks the bills up and dies on the first.
        var output = new StringBuilder();
        using (var child = StartServerProcess(database, fake, crash, output))
        {
            try
            {
                if (crash == "Kill")
                {
                    // WeChat accepts the bill and never answers; the process is killed while it waits.
                    fake.Enqueue(FakeFault.Hang(afterAccept: true));
                    await WaitUntilAsync(() => fake.Bills.Count == 1 || child.HasExited, TimeSpan.FromSeconds(90));
                    child.HasExited.ShouldBeFalse(output.ToString());
                    child.Kill(entireProcessTree: true);
                }
                using var died = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                died.CancelAfter(TimeSpan.FromSeconds(90));
                await child.WaitForExitAsync(died.Token);
                child.ExitCode.ShouldNotBe(0, output.ToString());
            }
            finally
            {
                if (!child.HasExited) child.Kill(entireProcessTree: true);
            }
        }
        if (crash != "Kill") output.ToString().ShouldContain($"{PayoutCrashFault.Key}={crash}");

        // Where it died: nothing recorded beyond the claim; WeChat has the first bill unless the process died before sending.
        await using (var db = database.NewContext(await TenantAsync(database)))
        {
            var payouts = await db.Payouts.AsNoTracking().ToListAsync(Ct);
            payouts.ShouldAllBe(p => p.Status == PayoutStatus.Approved);
            payouts.Sum(p => p.Attempts).ShouldBe(1, output.ToString());
        }
        fake.Bills.Count.ShouldBe(crash == PayoutCrashFault.AfterCommit ? 0 : 1);

        // Restart (three minutes later: the dead sender's claim has lapsed) on the same database, then run the sender
        // until nothing is due, let the partners confirm and WeChat pay, and reconcile (the notify URL died with the child).
        clock.Offset = TimeSpan.FromMinutes(3);
        await using var server = await GuidelinkInstance.StartAsync(database, seedDemo: false, services: s => s.AddSingleton<TimeProvider>(clock),
            extraArgs: WeChatPayoutTests.WeChatArgs(fake));
        (await SendAsync(server, database)).ShouldBe(new SendPayouts.Response(2, 0, 0));
        (await SendAsync(server, database)).ShouldBe(new SendPayouts.Response(0, 0, 0));
        foreach (var bill in fake.Bills)
        {
            fake.UserConfirms(bill.OutBillNo);
            fake.Succeed(bill.OutBillNo);
        }
        (await ReconcileAsync(server, database)).ShouldBe(new ReconcilePayouts.Response(2, 2, 0));
        (await ReconcileAsync(server, database)).ShouldBe(new ReconcilePayouts.Response(0, 0, 0));

        // Exactly once: one bill per out_bill_no at WeChat, each sent once (a re-send only when WeChat never had it),
        // each withdrawal PaidOut once, the ledger balanced.
        fake.Bills.Select(b => b.OutBillNo).Order().ShouldBe(withdrawals.Select(w => w.Bill).Order());
        foreach (var (id, bill, net, holder) in withdrawals)
        {
            fake.Bill(bill)!.AmountFen.ShouldBe(net);
            fake.Requests.Count(r => r.Method == "POST" && r.Target == FakeWeChatPayServer.TransferBillsPath && r.Body.Contains(bill)).ShouldBe(1);
            (await BalancesAsync(database, holder)).GetValueOrDefault(LedgerBucket.PaidOut).ShouldBe(net);
            await using var db = database.NewContext(await TenantAsync(database));
            (await db.Payouts.AsNoTracking().SingleAsync(p => p.Id == Guid.Parse(id), Ct)).Status.ShouldBe(PayoutStatus.Success);
            (await db.LedgerPostings.CountAsync(p => p.Key == PayoutLedger.StateKey(Guid.Parse(id), PayoutStatus.Success), Ct)).ShouldBe(1);
        }
        await AssertLedgerHoldsAsync(database);
    }

    /// <summary>The server as production runs it: dotnet Guidelink.Web.dll (beside the tests' binaries), the arguments
    /// GuidelinkInstance passes, jobs on, and — except for Kill — the crash point.</summary>
    private static Process StartServerProcess(TestDatabase database, FakeWeChatPayServer fake, string crash, StringBuilder output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Directory.CreateTempSubdirectory("guidelink-crash-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            Path.Combine(AppContext.BaseDirectory, "Guidelink.Web.dll"),
            .. database.Args,
            "--urls=http://127.0.0.1:0", // nothing calls the child: let it take a free port when it binds, not one picked before
            "--environment=Development",
            "--Guidelink:Demo:Seed=false",
            "--Guidelink:Demo:Activity=false",
            "--Guidelink:Jobs:Enabled=true",
            "--Guidelink:Jobs:PollInterval=00:00:00.200",
            "--Logging:LogLevel:Default=Warning",
            $"--Guidelink:WeChat:OAuthBase={fake.BaseAddress}",
            $"--Guidelink:WeChat:ApiBase={fake.BaseAddress}",
            "--Guidelink:WeChat:PayTimeout=00:02:00", // Kill: still waiting for WeChat's answer when killed
            .. crash == "Kill" ? Array.Empty<string>() : [$"--{PayoutCrashFault.Key}={crash}"],
        ];
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        var process = new Process { StartInfo = start };
        void Append(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
        }
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < until) await Task.Delay(50, Ct);
    }
}
