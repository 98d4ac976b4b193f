using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Customers;

/// <summary>HQ defines a tag group with its tags (e.g. 装修阶段: 计划中 / 装修中 / 已完工).</summary>
public static class CreateTagGroup
{
    public sealed record Request(string? Name, bool SingleChoice, IReadOnlyList<string>? Tags);

    public sealed class Handler(GuidelinkDb db, ActorContext actors)
    {
        public async Task<Outcome<TagGroupView>> HandleAsync(Request request, CancellationToken ct)
        {
            if (!actors.Current!.Scope.IsBrandWide) return Outcome<TagGroupView>.Forbidden("Only HQ defines tag groups.");
            var errors = new FieldErrors().Required("name", request.Name, 50);
            var tags = (request.Tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).ToList();
            if (tags.Count == 0) errors.Add("tags", "name at least one tag.");
            if (tags.Any(t => t.Length > 50)) errors.Add("tags", "each tag must be at most 50 characters.");
            if (tags.Distinct().Count() != tags.Count) errors.Add("tags", "contain the same tag twice.");
            if (errors.Any) return errors.ToOutcome<TagGroupView>();
            var name = request.Name!.Trim();
            if (await db.TagGroups.AnyAsync(g => g.Name == name, ct)) return Outcome<TagGroupView>.Conflict($"A tag group '{name}' already exists.");

            var group = TagGroup.Create(db.TenantContext.Required, name, request.SingleChoice);
            foreach (var tag in tags) group.AddTag(tag);
            db.TagGroups.Add(group);
            await db.SaveChangesAsync(ct);
            return TagGroupView.Of(group);
        }
    }
}

public sealed record TagView(Guid Id, string Name);

public sealed record TagGroupView(Guid Id, string Name, bool SingleChoice, IReadOnlyList<TagView> Tags)
{
    public static TagGroupView Of(TagGroup g) => new(g.Id, g.Name, g.SingleChoice, g.Tags.Select(t => new TagView(t.Id, t.Name)).ToList());
}

/// <summary>The brand's tag groups and tags.</summary>
public static class ListTagGroups
{
    public sealed class Handler(GuidelinkDb db)
    {
        public async Task<IReadOnlyList<TagGroupView>> HandleAsync(CancellationToken ct) =>
            (await db.TagGroups.AsNoTracking().Include(g => g.Tags).OrderBy(g => g.Name).ToListAsync(ct)).Select(TagGroupView.Of).ToList();
    }
}
