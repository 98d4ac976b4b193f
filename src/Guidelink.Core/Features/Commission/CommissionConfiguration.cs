using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Commission;

public sealed class CommissionLineConfiguration : IEntityTypeConfiguration<CommissionLine>
{
    public void Configure(EntityTypeBuilder<CommissionLine> builder)
    {
        builder.ToTable("CommissionLines");
        builder.HasKey(c => new { c.TenantId, c.Id });
        builder.Property(c => c.RuleName).HasMaxLength(100);
        builder.Property(c => c.Rate).HasMaxLength(40);
        builder.Property(c => c.Tier).HasMaxLength(60);
        builder.Property(c => c.ExplanationZh).HasMaxLength(500);
        builder.Property(c => c.ExplanationEn).HasMaxLength(500);
        builder.HasIndex(c => new { c.TenantId, c.OrderId, c.LineNo, c.Kind }).IsUnique();
        builder.HasIndex(c => new { c.TenantId, c.EarnerId, c.PlacedAt });
        // No foreign key to the order: a commission line is part of its order's aggregate, written in the same transaction
        // by the code that decided the order, and neither is ever deleted. In PostgreSQL each such key is a query per row
        // at insert; keys inside an aggregate took a third of the batch ingest's database time (docs/decisions/0009).
        builder.Ignore(c => c.Holder);
        builder.Ignore(c => c.StandingFen);
    }
}

public sealed class CommissionRuleVersionConfiguration : IEntityTypeConfiguration<CommissionRuleVersion>
{
    public void Configure(EntityTypeBuilder<CommissionRuleVersion> builder)
    {
        builder.ToTable("CommissionRules");
        builder.HasKey(r => new { r.TenantId, r.Id });
        builder.Property(r => r.Name).HasMaxLength(100);
        builder.Property(r => r.Definition).HasMaxLength(8000);
        builder.Property(r => r.CreatedBy).HasMaxLength(100);
        builder.HasIndex(r => new { r.TenantId, r.RuleId, r.Version }).IsUnique();
    }
}

public sealed class CommissionSettingsConfiguration : IEntityTypeConfiguration<CommissionSettings>
{
    public void Configure(EntityTypeBuilder<CommissionSettings> builder)
    {
        builder.ToTable("CommissionSettings");
        builder.HasKey(s => s.TenantId);
        builder.Ignore(s => s.ReturnWindow);
    }
}
