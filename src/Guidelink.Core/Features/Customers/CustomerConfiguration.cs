using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Customers;

public sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> builder)
    {
        builder.ToTable("Customers");
        builder.HasKey(c => new { c.TenantId, c.Id });
        builder.Property(c => c.PhoneHash).HasMaxLength(64);
        builder.Property(c => c.PhoneCipher).HasMaxLength(400);
        builder.Property(c => c.PhoneMasked).HasMaxLength(20);
        builder.Property(c => c.UnionId).HasMaxLength(64);
        builder.Property(c => c.ExternalUserId).HasMaxLength(64);
        builder.Property(c => c.Name).HasMaxLength(100);
        builder.Property(c => c.ConsentText).HasMaxLength(500);
        builder.Property(c => c.Version).IsConcurrencyToken();
        // One customer per phone, union id or external user id within a brand: the database settles races.
        // Most customers have a phone and neither of the other two, so those indexes hold only the rows that have one (NULLs
        // never clash anyway, and every lookup is by a value, which implies NOT NULL): two index entries less per customer
        // written by a touch or an import (bench/README.md, Connect).
        builder.HasIndex(c => new { c.TenantId, c.PhoneHash }).IsUnique();
        builder.HasIndex(c => new { c.TenantId, c.UnionId }).IsUnique().HasFilter("\"UnionId\" IS NOT NULL");
        builder.HasIndex(c => new { c.TenantId, c.ExternalUserId }).IsUnique().HasFilter("\"ExternalUserId\" IS NOT NULL");
        builder.HasIndex(c => new { c.TenantId, c.OwnerId });
        builder.HasIndex(c => new { c.TenantId, c.HomeStoreId, c.OwnerId });
        builder.HasOne<Organization.Store>().WithMany().HasForeignKey(c => new { c.TenantId, c.HomeStoreId }).OnDelete(DeleteBehavior.Restrict);
        builder.Ignore(c => c.Owner);
    }
}
