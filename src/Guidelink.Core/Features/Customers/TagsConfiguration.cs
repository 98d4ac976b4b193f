using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Customers;

public sealed class TagGroupConfiguration : IEntityTypeConfiguration<TagGroup>
{
    public void Configure(EntityTypeBuilder<TagGroup> builder)
    {
        builder.ToTable("TagGroups");
        builder.HasKey(g => new { g.TenantId, g.Id });
        builder.Property(g => g.Name).HasMaxLength(50);
        builder.HasIndex(g => new { g.TenantId, g.Name }).IsUnique();
        builder.HasMany(g => g.Tags).WithOne().HasForeignKey(t => new { t.TenantId, t.GroupId }).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class TagConfiguration : IEntityTypeConfiguration<Tag>
{
    public void Configure(EntityTypeBuilder<Tag> builder)
    {
        builder.ToTable("Tags");
        builder.HasKey(t => new { t.TenantId, t.Id });
        builder.Property(t => t.Name).HasMaxLength(50);
        builder.HasIndex(t => new { t.TenantId, t.GroupId, t.Name }).IsUnique();
    }
}

public sealed class CustomerTagConfiguration : IEntityTypeConfiguration<CustomerTag>
{
    public void Configure(EntityTypeBuilder<CustomerTag> builder)
    {
        builder.ToTable("CustomerTags");
        builder.HasKey(t => new { t.TenantId, t.CustomerId, t.TagId });
        builder.HasIndex(t => new { t.TenantId, t.TagId });
        builder.HasOne<Customer>().WithMany().HasForeignKey(t => new { t.TenantId, t.CustomerId }).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Tag>().WithMany().HasForeignKey(t => new { t.TenantId, t.TagId }).OnDelete(DeleteBehavior.Cascade);
    }
}
