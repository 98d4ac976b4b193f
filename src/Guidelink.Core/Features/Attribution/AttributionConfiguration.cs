using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Attribution;

public sealed class ReferralCodeConfiguration : IEntityTypeConfiguration<ReferralCode>
{
    public void Configure(EntityTypeBuilder<ReferralCode> builder)
    {
        builder.ToTable("ReferralCodes");
        builder.HasKey(c => new { c.TenantId, c.Code });
        builder.Property(c => c.Code).HasMaxLength(30);
        builder.Property(c => c.Campaign).HasMaxLength(100);
        // The platform directory: a code is unique across brands, so /r/{code} needs no brand in the URL.
        builder.HasIndex(c => c.Code).IsUnique();
        builder.HasIndex(c => new { c.TenantId, c.OwnerId });
        builder.Ignore(c => c.Owner);
    }
}

public sealed class TouchConfiguration : IEntityTypeConfiguration<Touch>
{
    public void Configure(EntityTypeBuilder<Touch> builder)
    {
        builder.ToTable("Touches");
        builder.HasKey(t => new { t.TenantId, t.Id });
        builder.Property(t => t.Code).HasMaxLength(30);
        builder.Property(t => t.Campaign).HasMaxLength(100);
        builder.Property(t => t.EnteredBy).HasMaxLength(100);
        builder.Property(t => t.Ip).HasMaxLength(64);
        builder.Property(t => t.UserAgent).HasMaxLength(300);
        // A customer's touches in time order (order ingest, merges). No index on the time alone: no query reads touches by
        // time without their customer, and each index is one more entry per touch written (bench/README.md, Connect).
        builder.HasIndex(t => new { t.TenantId, t.CustomerId, t.OccurredAt });
        builder.HasOne<Customers.Customer>().WithMany().HasForeignKey(t => new { t.TenantId, t.CustomerId }).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(t => t.Toucher);
    }
}

public sealed class AttributionDecisionConfiguration : IEntityTypeConfiguration<AttributionDecision>
{
    public void Configure(EntityTypeBuilder<AttributionDecision> builder)
    {
        builder.ToTable("AttributionDecisions");
        builder.HasKey(d => new { d.TenantId, d.Id });
        builder.Property(d => d.Note).HasMaxLength(200);
        builder.HasIndex(d => new { d.TenantId, d.CustomerId, d.DecidedAt });
        builder.HasOne<Customers.Customer>().WithMany().HasForeignKey(d => new { d.TenantId, d.CustomerId }).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(d => d.PreviousOwner);
        builder.Ignore(d => d.NewOwner);
        builder.Ignore(d => d.Claimant);
    }
}

public sealed class AttributionPolicyConfiguration : IEntityTypeConfiguration<AttributionPolicy>
{
    public void Configure(EntityTypeBuilder<AttributionPolicy> builder)
    {
        builder.ToTable("AttributionPolicies");
        builder.HasKey(p => new { p.TenantId, p.Version });
        builder.Property(p => p.Precedence).HasMaxLength(200);
        builder.Ignore(p => p.Protection);
    }
}
