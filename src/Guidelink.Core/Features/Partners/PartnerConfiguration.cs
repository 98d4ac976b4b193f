using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Partners;

public sealed class PartnerConfiguration : IEntityTypeConfiguration<Partner>
{
    public void Configure(EntityTypeBuilder<Partner> builder)
    {
        builder.ToTable("Partners");
        builder.HasKey(p => new { p.TenantId, p.Id });
        builder.Property(p => p.Name).HasMaxLength(100);
        builder.Property(p => p.Organization).HasMaxLength(100);
        builder.Property(p => p.PhoneHash).HasMaxLength(64);
        builder.Property(p => p.PhoneMasked).HasMaxLength(20);
        builder.Property(p => p.WeChatOpenId).HasMaxLength(64);
        builder.Property(p => p.RealName).HasMaxLength(1000); // ciphertext
        builder.HasIndex(p => new { p.TenantId, p.PhoneHash }).IsUnique();
        builder.HasIndex(p => new { p.TenantId, p.HomeStoreId });
        builder.HasOne<Organization.Store>().WithMany().HasForeignKey(p => new { p.TenantId, p.HomeStoreId }).OnDelete(DeleteBehavior.Restrict);
        builder.Ignore(p => p.AsOwner);
    }
}
