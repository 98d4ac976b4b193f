using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Tenancy;

public sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> builder)
    {
        builder.ToTable("Tenants");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Slug).HasMaxLength(40);
        builder.Property(t => t.Name).HasMaxLength(100);
        builder.Property(t => t.TimeZone).HasMaxLength(64);
        builder.Property(t => t.Currency).HasMaxLength(3);
        builder.HasIndex(t => t.Slug).IsUnique();
        builder.Ignore(t => t.Zone);
    }
}
