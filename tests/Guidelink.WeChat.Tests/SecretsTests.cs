using System.Collections.Concurrent;
using Guidelink.Core.Features.Payouts;
using Guidelink.Testing.WeChat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Guidelink.WeChat.Tests;

/// <summary>Keys and the AppSecret never reach a log line or an exception message.</summary>
public sealed class SecretsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NoSecret_AppearsInLogsOrErrors_AtTraceLevel()
    {
        var sink = new Sink();
        await using var h = await Harness.StartAsync(configure: services => services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            logging.AddProvider(sink);
        }));
        var merchant = h.Merchant();
        var errors = new List<string>();

        await h.Identity.ExchangeCodeAsync(merchant, h.Fake.IssueCode("o-1"), Ct);
        errors.Add((await Should.ThrowAsync<TransferRejectedException>(() => h.Identity.ExchangeCodeAsync(merchant, "bad", Ct))).Message);
        await h.Provider.SendAsync(merchant, Harness.Transfer("S0001", realName: "李四"), Ct);
        h.Fake.Enqueue(FakeFault.ServerError());
        errors.Add((await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.SendAsync(merchant, Harness.Transfer("S0002"), Ct))).Message);
        h.Fake.Enqueue(FakeFault.Reject(403, "NOT_ENOUGH"));
        errors.Add((await Should.ThrowAsync<TransferRejectedException>(() => h.Provider.SendAsync(merchant, Harness.Transfer("S0003"), Ct))).Message);
        h.Fake.Enqueue(FakeFault.ForgedAnswer());
        errors.Add((await Should.ThrowAsync<TransferOutcomeUnknownException>(() => h.Provider.QueryAsync(merchant, "S0001", Ct))).Message);

        sink.Lines.ShouldNotBeEmpty(); // the provider does log, so the checks below look at real lines
        var keyBody = merchant.PrivateKeyPem.Split('\n')[1];
        foreach (var line in sink.Lines.Concat(errors))
        {
            line.ShouldNotContain(merchant.AppSecret);
            line.ShouldNotContain(merchant.ApiV3Key);
            line.ShouldNotContain(keyBody);
            line.ShouldNotContain("李四");
        }
    }

    private sealed class Sink : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        private sealed class Logger(Sink sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}
