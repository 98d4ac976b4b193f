using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Ledger;

/// <summary>The chain heads of every statement downloaded for an earner, newest first: what the earner (or anyone who
/// kept a copy) can hold the brand to. Same access as the statement itself.</summary>
public static class ListStatementHeads
{
    public sealed record Item(Guid Id, DateTimeOffset From, DateTimeOffset To, long HeadSeq, string? HeadHash, string Format, DateTimeOffset DownloadedAt,
        string DownloadedBy);

    public sealed record Response(string Holder, IReadOnlyList<Item> Heads);

    public sealed class Handler(GuidelinkDb db, ActorContext actors, TimeProvider clock)
    {
        public async Task<Outcome<Response>> HandleAsync(string? holder, CancellationToken ct)
        {
            var who = await StatementAccess.ResolveAsync(db, actors.Current!, holder, clock.GetUtcNow(), ct);
            if (!who.IsOk)
                return who.Kind switch
                {
                    OutcomeKind.Invalid => Outcome<Response>.Invalid(who.Errors),
                    OutcomeKind.Forbidden => Outcome<Response>.Forbidden(who.Detail!),
                    _ => Outcome<Response>.NotFound(who.Detail!),
                };
            var h = who.Value!.Holder;
            var heads = await db.StatementDownloads.AsNoTracking().Where(d => d.Holder == h).ToListAsync(ct);
            return new Response(h, heads.OrderByDescending(d => d.DownloadedAt).ThenByDescending(d => d.Id)
                .Select(d => new Item(d.Id, d.From, d.To, d.HeadSeq, d.HeadHash, d.Format, d.DownloadedAt, d.DownloadedBy)).ToList());
        }
    }
}
