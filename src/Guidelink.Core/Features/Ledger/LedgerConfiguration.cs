using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Ledger;

public sealed class LedgerPostingConfiguration : IEntityTypeConfiguration<LedgerPosting>
{
    public void Configure(EntityTypeBuilder<LedgerPosting> builder)
    {
        builder.ToTable("LedgerPostings");
        builder.HasKey(p => new { p.TenantId, p.Id });
        builder.Property(p => p.Key).HasMaxLength(120);
        builder.Property(p => p.Kind).HasMaxLength(40);
        // The same business event can never post twice.
        builder.HasIndex(p => new { p.TenantId, p.Key }).IsUnique();
    }
}

public sealed class LedgerEntryConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> builder)
    {
        builder.ToTable("LedgerEntries");
        builder.HasKey(e => new { e.TenantId, e.Id });
        builder.Property(e => e.Holder).HasMaxLength(60);
        builder.Property(e => e.Reason).HasMaxLength(40);
        builder.Property(e => e.PrevHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        // Brand entries have Seq 0 and are not chained; an earner's chain is 1, 2, 3, … with no gaps or forks.
        builder.HasIndex(e => new { e.TenantId, e.Holder, e.Seq }).IsUnique().HasFilter("\"Seq\" > 0");
        builder.HasIndex(e => new { e.TenantId, e.Holder, e.Bucket });
        builder.HasIndex(e => new { e.TenantId, e.OrderId });
        builder.HasOne<LedgerPosting>().WithMany().HasForeignKey(e => new { e.TenantId, e.PostingId }).OnDelete(DeleteBehavior.Restrict);
    }
}
