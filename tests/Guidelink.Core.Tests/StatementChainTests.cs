using Guidelink.Core.Features.Ledger;
using Guidelink.Core.Shared;

namespace Guidelink.Core.Tests;

/// <summary>The verifier rebuilds exactly the canonical form the ledger hashes, and names the first mismatch.</summary>
public sealed class StatementChainTests
{
    private static readonly TenantId Tenant = TenantId.New();
    private const string Holder = "PartTimeGuide:0193a4b2-0000-7000-8000-000000000001";

    private static List<LedgerEntry> Chain(params (long Amount, string Reason, Guid? Order)[] entries)
    {
        var list = new List<LedgerEntry>();
        string? previous = null;
        var at = new DateTimeOffset(2026, 11, 28, 15, 39, 2, TimeSpan.FromHours(8)).AddTicks(1_234_567); // sub-millisecond, not UTC
        foreach (var (amount, reason, order) in entries)
        {
            var e = LedgerEntry.Create(Tenant, Guid.CreateVersion7(), Holder, amount < 0 ? LedgerBucket.Available : LedgerBucket.Pending, amount, at, reason, order, null);
            e.Chain(list.Count + 1, previous);
            previous = e.Hash;
            list.Add(e);
            at = at.AddHours(1);
        }
        return list;
    }

    private static ChainFile File(IEnumerable<GetStatement.ChainLink> links)
    {
        var list = links.ToList();
        return new ChainFile(Holder, new GetStatement.ChainHead(list.Count == 0 ? 0 : list[^1].Seq, list.Count == 0 ? null : list[^1].Hash), list);
    }

    private static GetStatement.ChainLink Rehash(GetStatement.ChainLink link, string? previous)
    {
        var relinked = link with { PrevHash = previous };
        return relinked with { Hash = LedgerEntry.ComputeHash(StatementChain.CanonicalForm(relinked)) };
    }

    [Fact]
    public void ALink_RebuildsTheEntrysOwnCanonicalForm()
    {
        foreach (var e in Chain((12_345, "commission", Guid.NewGuid()), (-250, "refund", null)))
        {
            var link = GetStatement.Link(e);
            StatementChain.CanonicalForm(link).ShouldBe(LedgerEntry.CanonicalForm(e.Id, e.At, e.Holder, e.Bucket, e.AmountFen, e.PostingId, e.Reason, e.OrderId, e.PrevHash));
            LedgerEntry.ComputeHash(StatementChain.CanonicalForm(link)).ShouldBe(e.Hash);
            link.At.ShouldEndWith("Z");
        }
        StatementChain.Check(File(Chain((1, "commission", null), (2, "commission", null)).Select(GetStatement.Link))).Ok.ShouldBeTrue();
    }

    [Fact]
    public void Verify_NamesTheFirstChangedField_EvenWhenTheNewChainIsRehashed()
    {
        var links = Chain((100, "commission", null), (200, "commission", null), (-50, "refund", null)).Select(GetStatement.Link).ToList();
        var older = File(links.Take(2));
        StatementChain.Verify(File(links), older).Ok.ShouldBeTrue();

        // A history rewritten from seq 2 with every hash recomputed holds on its own, not against the old head.
        var rewritten = new List<GetStatement.ChainLink> { links[0] };
        foreach (var l in links.Skip(1)) rewritten.Add(Rehash(l.Seq == 2 ? l with { Reason = "bounty" } : l, rewritten[^1].Hash));
        StatementChain.Check(File(rewritten)).Ok.ShouldBeTrue();
        var report = StatementChain.Verify(File(rewritten), older);
        report.Ok.ShouldBeFalse();
        report.Message.ShouldStartWith("seq 2: reason differs");
    }

    [Fact]
    public void Check_FailsOnAChangedAmount_ABrokenLink_AndAHeadThatIsNotTheLastLink()
    {
        var links = Chain((100, "commission", null), (200, "commission", null)).Select(GetStatement.Link).ToList();
        StatementChain.Check(File([links[0], links[1] with { AmountFen = 201 }])).Message.ShouldContain("seq 2: hash does not match");
        StatementChain.Check(File([links[0], Rehash(links[1], new string('0', 64))])).Message.ShouldContain("seq 2: prevHash does not link to seq 1");
        StatementChain.Check(new ChainFile(Holder, new GetStatement.ChainHead(1, links[0].Hash), links)).Message.ShouldContain("is not the last link");
        StatementChain.Check(File([links[1]])).Message.ShouldContain("seq 1 is missing");
    }
}
