using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Jobs;

public sealed class JobLeaseConfiguration : IEntityTypeConfiguration<JobLease>
{
    public void Configure(EntityTypeBuilder<JobLease> builder)
    {
        builder.ToTable("JobLeases");
        builder.HasKey(l => l.Name);
        builder.Property(l => l.Name).HasMaxLength(100);
        builder.Property(l => l.LockedBy).HasMaxLength(100);
    }
}

public sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("OutboxMessages");
        builder.HasKey(m => new { m.TenantId, m.Id });
        builder.Property(m => m.Type).HasMaxLength(100);
        builder.Property(m => m.ClaimedBy).HasMaxLength(100);
        builder.HasIndex(m => new { m.ProcessedAt, m.AvailableAt });
    }
}
