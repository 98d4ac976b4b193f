using System.Data.Common;
using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Guidelink.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Guidelink.Core.Tests;

/// <summary>The ledger keeps one index besides its key, the partial (brand, holder, seq) index of the chain (ADR 0009).
/// An earner's reads — the chain head, balances (now and as of an instant), a statement's entries — must be ones that
/// index answers on both providers: each read the ledger sends is captured and explained, and PostgreSQL is told to avoid
/// reading the table wherever it can, so a plan that still reads it means the index cannot serve that query.</summary>
public sealed class LedgerReadsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AnEarnersReads_AreAnsweredByTheChainIndex(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var capture = new Capture();
        await using var db = database.NewContext(new TenantId(Guid.NewGuid()), observer: capture);
        const string holder = "PartTimeGuide:8d3f0c55-0d6c-4a57-9c56-2d4ad1f0b1a1";

        await new LedgerBook(db).LoadHeadsAsync([holder], Ct);
        await LedgerBook.BalancesAsync(db, holder, null, Ct);
        await LedgerBook.BalancesAsync(db, holder, DateTimeOffset.UtcNow, Ct);
        await LedgerBook.EntriesOf(db, holder).OrderBy(e => e.Seq).ToListAsync(Ct); // GetStatement's read

        capture.Commands.Count.ShouldBe(4);
        await db.Database.OpenConnectionAsync(Ct);
        var connection = db.Database.GetDbConnection();
        foreach (var (text, parameters) in capture.Commands)
        {
            await using var explain = connection.CreateCommand();
            explain.CommandText = (provider == DatabaseProvider.Sqlite ? "EXPLAIN QUERY PLAN " : "SET enable_seqscan = off; EXPLAIN ") + text;
            foreach (var (name, value) in parameters)
            {
                var p = explain.CreateParameter();
                p.ParameterName = name;
                p.Value = value;
                explain.Parameters.Add(p);
            }
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync(Ct))
                while (await reader.ReadAsync(Ct)) plan.Add(reader.GetValue(reader.FieldCount - 1).ToString()!);
            var shown = string.Join(" / ", plan);
            shown.ShouldContain("IX_LedgerEntries_TenantId_Holder_Seq", Case.Sensitive, $"{text}\n→ {shown}");
            shown.ShouldNotContain(provider == DatabaseProvider.Sqlite ? "SCAN \"LedgerEntries\"" : "Seq Scan", Case.Sensitive, $"{text}\n→ {shown}");
        }
    }

    /// <summary>The text and parameters of every read of LedgerEntries this context sends.</summary>
    private sealed class Capture : DbCommandInterceptor
    {
        public List<(string Text, List<(string Name, object Value)> Parameters)> Commands { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("\"LedgerEntries\"", StringComparison.Ordinal))
                Commands.Add((command.CommandText, command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value ?? DBNull.Value)).ToList()));
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
