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
        // Besides the key it is the table's only index: every read of entries is one earner's, along the chain (the head,
        // a statement, balances; each says "Seq > 0" so that this partial index answers it). An entry is appended with its
        // posting by LedgerBook in one transaction, and neither is ever deleted, so there is no foreign key to the posting
        // and no index by posting, order or bucket, which no query used: each cost the database work on every entry
        // (docs/decisions/0009).
    }
}
