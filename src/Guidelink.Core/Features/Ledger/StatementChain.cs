using System.Globalization;
using static Guidelink.Core.Features.Ledger.GetStatement;

namespace Guidelink.Core.Features.Ledger;

/// <summary>The chain part of a statement as a verifier reads it (from any of its formats).</summary>
public sealed record ChainFile(string? Holder, ChainHead Head, IReadOnlyList<ChainLink> Chain);

/// <summary>What a verification found: <see cref="Ok"/> or the first mismatch, in English and Chinese.</summary>
public sealed record ChainReport(bool Ok, string Message, string MessageZh);

/// <summary>Offline verification of statements (docs/decisions/0007): recomputes every hash of a chain from seq 1 from
/// the canonical fields alone and checks each link; checks that an older statement's head — and every entry before it
/// — is unchanged in a newer one. Needs nothing from the server but the two files.</summary>
public static class StatementChain
{
    /// <summary>The canonical form's time: UTC, ISO 8601, to the millisecond (as LedgerEntry.CanonicalForm).</summary>
    public static string FormatAt(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The canonical form rebuilt from a link's strings — the same text LedgerEntry.CanonicalForm hashes.</summary>
    public static string CanonicalForm(ChainLink link) => string.Join('|',
        "v1", link.Id, link.At, link.Account, link.AmountFen.ToString(CultureInfo.InvariantCulture), link.PostingId, link.Reason,
        link.OrderId ?? "", link.PrevHash ?? "");

    public static string HolderOf(ChainLink link) => link.Account.LastIndexOf('/') is var i and > 0 ? link.Account[..i] : link.Account;

    /// <summary>One chain on its own: seq 1, 2, 3, … with no gaps; each prevHash the hash before it; each hash the
    /// SHA-256 of its canonical form; one holder throughout; the last link is the stated head.</summary>
    public static ChainReport Check(ChainFile file, string label = "statement")
    {
        ArgumentNullException.ThrowIfNull(file);
        string? previous = null;
        for (var i = 0; i < file.Chain.Count; i++)
        {
            var link = file.Chain[i];
            if (link.Seq != i + 1)
                return Fail($"{label}: seq {i + 1} is missing (found seq {link.Seq} in its place): an entry was removed or reordered.",
                    $"{label}：缺少序号 {i + 1}（该位置是 {link.Seq}）：有流水被删除或调换。");
            if (file.Holder is { } h && HolderOf(link) != h)
                return Fail($"{label}: seq {link.Seq} belongs to {HolderOf(link)}, not {h}.", $"{label}：序号 {link.Seq} 属于 {HolderOf(link)}，不是 {h}。");
            if (NullIfEmpty(link.PrevHash) != previous)
                return Fail($"{label}: seq {link.Seq}: prevHash does not link to seq {link.Seq - 1}.", $"{label}：序号 {link.Seq} 的前一哈希与序号 {link.Seq - 1} 不相连。");
            var computed = LedgerEntry.ComputeHash(CanonicalForm(link));
            if (!string.Equals(computed, link.Hash, StringComparison.Ordinal))
                return Fail($"{label}: seq {link.Seq}: hash does not match the entry's fields (computed {computed}, stated {link.Hash}).",
                    $"{label}：序号 {link.Seq} 的哈希与字段不符（计算得 {computed}，记载为 {link.Hash}）。");
            previous = link.Hash;
        }
        var last = file.Chain.Count > 0 ? file.Chain[^1] : null;
        if ((last?.Seq ?? 0) != file.Head.Seq || NullIfEmpty(last?.Hash) != NullIfEmpty(file.Head.Hash))
            return Fail($"{label}: the stated head (seq {file.Head.Seq}) is not the last link of the chain (seq {last?.Seq ?? 0}).",
                $"{label}：记载的链头（序号 {file.Head.Seq}）不是链的最后一环（序号 {last?.Seq ?? 0}）。");
        return new ChainReport(true, $"{label}: {file.Chain.Count} entries, every hash recomputed and linked; head seq {file.Head.Seq}.",
            $"{label}：{file.Chain.Count} 条流水，哈希逐条重算且相连；链头序号 {file.Head.Seq}。");
    }

    /// <summary>Both chains check on their own, they are the same earner's, and the older head with every entry up to it
    /// is present, unchanged and at the same seq in the newer chain: the history the older statement pinned was not
    /// rewritten.</summary>
    public static ChainReport Verify(ChainFile newer, ChainFile older)
    {
        ArgumentNullException.ThrowIfNull(newer);
        ArgumentNullException.ThrowIfNull(older);
        var n = Check(newer, "NEW");
        if (!n.Ok) return n;
        var o = Check(older, "OLD");
        if (!o.Ok) return o;
        var newHolder = newer.Holder ?? (newer.Chain.Count > 0 ? HolderOf(newer.Chain[0]) : null);
        var oldHolder = older.Holder ?? (older.Chain.Count > 0 ? HolderOf(older.Chain[0]) : null);
        if (newHolder is not null && oldHolder is not null && newHolder != oldHolder)
            return Fail($"The statements are of different earners ({oldHolder} and {newHolder}).", $"两份对账单属于不同的收益人（{oldHolder} 与 {newHolder}）。");
        if (older.Head.Seq > newer.Chain.Count)
            return Fail($"The old head (seq {older.Head.Seq}) is beyond the new chain's end (seq {newer.Chain.Count}): entries were removed.",
                $"旧链头（序号 {older.Head.Seq}）超出新链末端（序号 {newer.Chain.Count}）：有流水被删除。");
        for (var i = 0; i < older.Chain.Count; i++)
        {
            var (was, now) = (older.Chain[i], newer.Chain[i]);
            var field = FirstDifference(was, now);
            if (field is not null)
                return Fail($"seq {was.Seq}: {field} differs between OLD and NEW: the history the old statement pinned was rewritten.",
                    $"序号 {was.Seq}：新旧对账单的 {field} 不同：旧对账单锁定的历史被改写。");
        }
        if (older.Head.Seq > 0 && newer.Chain[(int)older.Head.Seq - 1].Hash != older.Head.Hash)
            return Fail($"The old head (seq {older.Head.Seq}) is not in the new chain.", $"新链中没有旧链头（序号 {older.Head.Seq}）。");
        return new ChainReport(true,
            $"OK: the {older.Chain.Count} entries up to the old head (seq {older.Head.Seq}) are unchanged in the new statement (head seq {newer.Head.Seq}, {newer.Chain.Count - older.Chain.Count} entries added since).",
            $"通过：旧链头（序号 {older.Head.Seq}）之前的 {older.Chain.Count} 条流水在新对账单（链头序号 {newer.Head.Seq}）中未被改动，其后新增 {newer.Chain.Count - older.Chain.Count} 条。");
    }

    private static string? FirstDifference(ChainLink a, ChainLink b) =>
        a.Seq != b.Seq ? "seq"
        : a.Id != b.Id ? "id"
        : a.At != b.At ? "at"
        : a.Account != b.Account ? "account"
        : a.AmountFen != b.AmountFen ? "amountFen"
        : a.PostingId != b.PostingId ? "postingId"
        : a.Reason != b.Reason ? "reason"
        : NullIfEmpty(a.OrderId) != NullIfEmpty(b.OrderId) ? "orderId"
        : NullIfEmpty(a.PrevHash) != NullIfEmpty(b.PrevHash) ? "prevHash"
        : a.Hash != b.Hash ? "hash"
        : null;

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static ChainReport Fail(string en, string zh) => new(false, en, zh);
}
