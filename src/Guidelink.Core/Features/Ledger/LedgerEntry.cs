using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Features.Ledger;

/// <summary>Earner buckets (Pending → Available → Withdrawing → PaidOut) and the brand's own accounts.</summary>
public enum LedgerBucket { Pending, Available, Withdrawing, PaidOut, CommissionExpense, PayoutClearing, WriteOff, TaxWithheld, FeeIncome }

/// <summary>A set of entries that move money together and sum to zero (double entry). Its key makes it
/// idempotent: the same business event can never post twice.</summary>
public sealed class LedgerPosting : ITenantOwned
{
    private LedgerPosting() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    /// <summary>What made it, unique per brand: "accrual:{order}", "settle:{order}", "refund:{order}:{refundNo}", ….</summary>
    public string Key { get; private set; } = "";
    public string Kind { get; private set; } = "";
    public Guid? OrderId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public DateTimeOffset RecordedAt { get; private set; }

    public static LedgerPosting Create(TenantId tenant, string key, string kind, Guid? order, DateTimeOffset at, DateTimeOffset now) => new()
    {
        TenantId = tenant,
        Id = Guid.CreateVersion7(),
        Key = key,
        Kind = kind,
        OrderId = order,
        At = LedgerBook.Truncate(at),
        RecordedAt = now,
    };
}

/// <summary>One append-only line of the ledger: an amount (signed fen) into one holder's bucket. Corrections
/// are new entries, never updates. Every entry of an earner carries the SHA-256 of that earner's previous entry
/// (<see cref="PrevHash"/>) and its own (<see cref="Hash"/>) over <see cref="CanonicalForm"/>, so a statement's
/// chain head pins the whole history before it. The brand's own entries are not chained (one chain for the
/// brand would make every sale of every guide wait on the same head).</summary>
public sealed class LedgerEntry : ITenantOwned
{
    private LedgerEntry() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public Guid PostingId { get; private set; }
    /// <summary>"PartTimeGuide:{id}", "Store:{id}", … or "Brand".</summary>
    public string Holder { get; private set; } = "";
    /// <summary>Position in the holder's chain, from 1; unique per holder, so two writers appending to one chain
    /// cannot both succeed. 0 for brand entries.</summary>
    public long Seq { get; private set; }
    public LedgerBucket Bucket { get; private set; }
    public long AmountFen { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string Reason { get; private set; } = "";
    public Guid? OrderId { get; private set; }
    public Guid? CommissionLineId { get; private set; }
    public string? PrevHash { get; private set; }
    public string? Hash { get; private set; }

    public static LedgerEntry Create(TenantId tenant, Guid posting, string holder, LedgerBucket bucket, long amount, DateTimeOffset at, string reason,
        Guid? order, Guid? commissionLine) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            PostingId = posting,
            Holder = holder,
            Bucket = bucket,
            AmountFen = amount,
            At = LedgerBook.Truncate(at),
            Reason = reason,
            OrderId = order,
            CommissionLineId = commissionLine,
        };

    /// <summary>Links the entry after <paramref name="previousHash"/> (null for an earner's first entry).</summary>
    public void Chain(long seq, string? previousHash)
    {
        Seq = seq;
        PrevHash = previousHash;
        Hash = ComputeHash(CanonicalForm(Id, At, Holder, Bucket, AmountFen, PostingId, Reason, OrderId, previousHash));
    }

    /// <summary>The documented canonical form hashed into the chain (docs/decisions): fields joined by '|', no personal
    /// data — entry id, time (UTC, ISO 8601 to the millisecond), account (holder/bucket), amount in fen, posting id,
    /// reason, order id (empty if none), previous hash (empty for the first).</summary>
    public static string CanonicalForm(Guid id, DateTimeOffset at, string holder, LedgerBucket bucket, long amount, Guid posting, string reason,
        Guid? order, string? previousHash) => string.Join('|',
            "v1",
            id.ToString("D"),
            at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            $"{holder}/{bucket}",
            amount.ToString(CultureInfo.InvariantCulture),
            posting.ToString("D"),
            reason,
            order?.ToString("D") ?? "",
            previousHash ?? "");

    public static string ComputeHash(string canonical)
    {
        // The canonical form is a few hundred bytes: encoded and hashed on the stack (every earner entry of a batch is hashed).
        var max = Encoding.UTF8.GetMaxByteCount(canonical.Length);
        Span<byte> text = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(canonical, text);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(text[..length], hash);
        return Convert.ToHexStringLower(hash);
    }
}
