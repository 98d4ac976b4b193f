using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ClosedXML.Excel;
using CsvHelper;
using CsvHelper.Configuration;
using static Guidelink.Core.Features.Ledger.GetStatement;

namespace Guidelink.Core.Features.Ledger;

/// <summary>A statement as a file: JSON (everything, the verifier's format), CSV (the period's entries joined with
/// their orders and commission lines, UTF-8 with a BOM so Excel opens the Chinese), XLSX (sheets for the summary,
/// orders and lines, entries, and the chain). Money is shown in yuan with two decimals, computed from integer fen.</summary>
public static class StatementFiles
{
    public const string SummarySheet = "Summary 汇总";
    public const string OrdersSheet = "Orders 订单";
    public const string EntriesSheet = "Entries 流水";
    public const string ChainSheet = "Chain 哈希链";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Chinese names and rule names stay readable in the file; it is a download, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string ContentType(string format) => format switch
    {
        "csv" => "text/csv; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/json; charset=utf-8",
    };

    public static string FileName(Statement s, string format) =>
        $"statement-{s.HolderKind}-{s.Holder[(s.Holder.IndexOf(':', StringComparison.Ordinal) + 1)..][..8]}-{s.From:yyyyMMdd}-{s.To:yyyyMMdd}-seq{s.Head.Seq}.{format}";

    public static byte[] Render(Statement s, string format) => format switch
    {
        "csv" => ToCsv(s),
        "xlsx" => ToXlsx(s),
        _ => ToJson(s),
    };

    /// <summary>Yuan with two decimals from fen, by integer arithmetic (never a double): -1234 → "-12.34".</summary>
    public static string Yuan(long fen) =>
        string.Create(CultureInfo.InvariantCulture, $"{(fen < 0 ? "-" : "")}{Math.Abs(fen / 100)}.{Math.Abs(fen % 100):00}");

    public static byte[] ToJson(Statement s) => JsonSerializer.SerializeToUtf8Bytes(s, Json);

    /// <summary>The columns of an entry row, shared by the CSV and the XLSX entries sheet.</summary>
    public static readonly IReadOnlyList<string> EntryColumns =
    [
        "序号 seq", "时间 time", "账户 bucket", "原因 reason", "金额 amount", "账户余额 bucket balance", "合计余额 balance",
        "订单号 order no", "下单时间 placed at", "门店 store", "顾客 customer", "实付 paid", "规则 rule", "版本 version", "费率 rate",
        "基数 base", "佣金 commission", "已冲回 reversed", "状态 status", "哈希 hash",
    ];

    public static IEnumerable<string[]> EntryRows(Statement s)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone);
        var orders = s.Orders.ToDictionary(o => o.Id);
        var lines = s.Orders.SelectMany(o => o.Lines).ToDictionary(l => l.Id);
        foreach (var e in s.Entries)
        {
            var order = e.OrderId is { } oid ? orders.GetValueOrDefault(oid) : null;
            var line = e.CommissionLineId is { } lid ? lines.GetValueOrDefault(lid) : null;
            yield return
            [
                e.Seq.ToString(CultureInfo.InvariantCulture), Local(e.At, zone), e.Bucket, e.Reason, Yuan(e.AmountFen), Yuan(e.BucketBalanceFen), Yuan(e.BalanceFen),
                e.OrderNo ?? "", order is null ? "" : Local(order.PlacedAt, zone), order?.Store ?? "", order?.Customer ?? "", order is null ? "" : Yuan(order.PaidFen),
                line?.RuleName ?? "", line?.RuleVersion?.ToString(CultureInfo.InvariantCulture) ?? "", line?.Rate ?? "", line is null ? "" : Yuan(line.BaseFen),
                line is null ? "" : Yuan(line.AmountFen), line is null ? "" : Yuan(line.ReversedFen), line?.Status ?? "", e.Hash ?? "",
            ];
        }
    }

    public static readonly IReadOnlyList<string> ChainColumns = ["seq", "id", "at", "account", "amountFen", "postingId", "reason", "orderId", "prevHash", "hash"];

    private static string Local(DateTimeOffset at, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string HeadLine(Statement s) =>
        $"Guidelink 对账单 statement; holder {s.Holder}; {s.HolderName}; period [{s.From:yyyy-MM-dd}; {s.To:yyyy-MM-dd}) {s.TimeZone}; head seq {s.Head.Seq} sha256 {s.Head.Hash ?? "-"}";

    /// <summary>One row per ledger entry of the period, in chain order; a first comment line names the earner,
    /// the period and the chain head (CSV readers skip it with comments allowed; Excel shows it as the title).</summary>
    public static byte[] ToCsv(Statement s)
    {
        using var stream = new MemoryStream();
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true)))
        using (var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { AllowComments = true }))
        {
            csv.WriteComment(HeadLine(s).Replace(',', ' '));
            csv.NextRecord();
            foreach (var c in EntryColumns) csv.WriteField(c);
            csv.NextRecord();
            foreach (var row in EntryRows(s))
            {
                foreach (var v in row) csv.WriteField(v);
                csv.NextRecord();
            }
        }
        return stream.ToArray();
    }

    public static byte[] ToXlsx(Statement s)
    {
        using var book = new XLWorkbook();
        var summary = book.Worksheets.Add(SummarySheet);
        var rows = new List<(string Key, string Value, string Label)>
        {
            ("holder", s.Holder, "收益人 earner"),
            ("holderName", s.HolderName ?? "", "姓名 name"),
            ("brand", s.Brand, "品牌 brand"),
            ("from", s.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "起 from (brand time, inclusive)"),
            ("to", s.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "止 to (brand time, exclusive)"),
            ("timeZone", s.TimeZone, "时区 time zone"),
            ("issuedAt", StatementChain.FormatAt(s.IssuedAt), "出具时间 issued at (UTC)"),
            ("headSeq", s.Head.Seq.ToString(CultureInfo.InvariantCulture), "链头序号 chain head seq"),
            ("headHash", s.Head.Hash ?? "", "链头哈希 chain head SHA-256"),
            ("opening", Yuan(s.OpeningFen), "期初合计 opening total"),
            ("closing", Yuan(s.ClosingFen), "期末合计 closing total"),
        };
        foreach (var b in s.Balances)
        {
            rows.Add(($"opening.{b.Bucket}", Yuan(b.OpeningFen), $"期初 opening {b.Bucket}"));
            rows.Add(($"closing.{b.Bucket}", Yuan(b.ClosingFen), $"期末 closing {b.Bucket}"));
        }
        WriteTable(summary, ["key", "value", "说明 label"], rows.Select(r => new[] { r.Key, r.Value, r.Label }));

        var orders = book.Worksheets.Add(OrdersSheet);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone);
        WriteTable(orders,
            ["订单号 order no", "下单时间 placed at", "门店 store", "顾客 customer", "实付 paid", "已退 refunded", "行 line", "类型 kind", "规则 rule",
                "版本 version", "费率 rate", "基数 base", "佣金 commission", "已冲回 reversed", "状态 status"],
            s.Orders.SelectMany(o => (o.Lines.Count == 0 ? [null] : o.Lines.Cast<LineView?>()).Select(l => new[]
            {
                o.OrderNo, Local(o.PlacedAt, zone), o.Store ?? "", o.Customer ?? "", Yuan(o.PaidFen), Yuan(o.RefundedFen),
                l?.LineNo.ToString(CultureInfo.InvariantCulture) ?? "", l?.Kind ?? "", l?.RuleName ?? "", l?.RuleVersion?.ToString(CultureInfo.InvariantCulture) ?? "",
                l?.Rate ?? "", l is null ? "" : Yuan(l.BaseFen), l is null ? "" : Yuan(l.AmountFen), l is null ? "" : Yuan(l.ReversedFen), l?.Status ?? "",
            })));

        WriteTable(book.Worksheets.Add(EntriesSheet), EntryColumns, EntryRows(s));
        WriteTable(book.Worksheets.Add(ChainSheet), ChainColumns, s.Chain.Select(c => new[]
        {
            c.Seq.ToString(CultureInfo.InvariantCulture), c.Id, c.At, c.Account, c.AmountFen.ToString(CultureInfo.InvariantCulture), c.PostingId, c.Reason,
            c.OrderId ?? "", c.PrevHash ?? "", c.Hash,
        }));

        using var stream = new MemoryStream();
        book.SaveAs(stream);
        return stream.ToArray();
    }

    /// <summary>Every cell is written as text: ClosedXML would otherwise read "1e52…" hashes as numbers and ISO times
    /// as dates, and the verifier must get back exactly the strings that were hashed.</summary>
    private static void WriteTable(IXLWorksheet sheet, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        for (var c = 0; c < header.Count; c++) Text(sheet.Cell(1, c + 1), header[c]).Style.Font.Bold = true;
        var r = 2;
        foreach (var row in rows)
        {
            for (var c = 0; c < row.Length; c++) Text(sheet.Cell(r, c + 1), row[c]);
            r++;
        }
        sheet.SheetView.FreezeRows(1);
    }

    private static IXLCell Text(IXLCell cell, string value)
    {
        cell.DataType = XLDataType.Text;
        cell.SetValue(value);
        cell.DataType = XLDataType.Text;
        return cell;
    }

    private sealed record JsonChainFile(string? Holder, ChainHead? Head, List<ChainLink>? Chain);

    /// <summary>Reads the chain part of a statement file: JSON (by content) or XLSX (a zip). A CSV carries only the
    /// period's entries, not the chain from seq 1, so it cannot be verified on its own.</summary>
    public static ChainFile ReadChain(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Length > 2 && content[0] == (byte)'P' && content[1] == (byte)'K') return ReadXlsxChain(content);
        var text = Encoding.UTF8.GetString(content).TrimStart('\uFEFF', ' ', '\r', '\n', '\t');
        if (!text.StartsWith('{'))
            throw new FormatException("not a JSON or XLSX statement (a CSV statement carries only the period's entries, not the chain: download JSON or XLSX).");
        var parsed = JsonSerializer.Deserialize<JsonChainFile>(text, Json) ?? throw new FormatException("empty statement.");
        if (parsed.Head is null || parsed.Chain is null) throw new FormatException("the statement has no head or chain section.");
        return new ChainFile(parsed.Holder, parsed.Head, parsed.Chain);
    }

    private static ChainFile ReadXlsxChain(byte[] content)
    {
        using var stream = new MemoryStream(content);
        using var book = new XLWorkbook(stream);
        if (!book.TryGetWorksheet(SummarySheet, out var summary) || !book.TryGetWorksheet(ChainSheet, out var chainSheet))
            throw new FormatException($"the workbook has no '{SummarySheet}' or '{ChainSheet}' sheet.");
        var values = summary.RowsUsed().Skip(1).ToDictionary(r => r.Cell(1).GetString(), r => r.Cell(2).GetString(), StringComparer.Ordinal);
        var headSeq = long.Parse(values.GetValueOrDefault("headSeq", "0"), CultureInfo.InvariantCulture);
        var head = new ChainHead(headSeq, values.GetValueOrDefault("headHash") is { Length: > 0 } h ? h : null);
        var links = chainSheet.RowsUsed().Skip(1).Select(r =>
        {
            string Cell(int i) => r.Cell(i).GetString();
            return new ChainLink(long.Parse(Cell(1), CultureInfo.InvariantCulture), Cell(2), Cell(3), Cell(4), long.Parse(Cell(5), CultureInfo.InvariantCulture),
                Cell(6), Cell(7), Cell(8) is { Length: > 0 } o ? o : null, Cell(9) is { Length: > 0 } p ? p : null, Cell(10));
        }).ToList();
        return new ChainFile(values.GetValueOrDefault("holder"), head, links);
    }
}
