using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Access;

public sealed class UserAccountConfiguration : IEntityTypeConfiguration<UserAccount>
{
    public void Configure(EntityTypeBuilder<UserAccount> builder)
    {
        builder.ToTable("UserAccounts");
        builder.HasKey(u => new { u.TenantId, u.Id });
        builder.Property(u => u.LoginName).HasMaxLength(100);
        builder.Property(u => u.PasswordHash).HasMaxLength(200);
        // Platform-wide: the login name finds the brand at sign-in.
        builder.HasIndex(u => u.LoginName).IsUnique();
        builder.HasIndex(u => new { u.TenantId, u.StaffId }).IsUnique();
        builder.HasOne<Staff>().WithMany().HasForeignKey(u => new { u.TenantId, u.StaffId }).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(u => new { u.TenantId, u.PartnerId }).IsUnique();
        builder.HasOne<Partner>().WithMany().HasForeignKey(u => new { u.TenantId, u.PartnerId }).OnDelete(DeleteBehavior.Cascade);
        // Exactly one of the two: a login belongs to a staff member or to a partner.
        builder.ToTable(t => t.HasCheckConstraint("CK_UserAccounts_OnePerson", "(\"StaffId\" IS NULL) <> (\"PartnerId\" IS NULL)"));
    }
}

public sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("ApiKeys");
        builder.HasKey(k => new { k.TenantId, k.Id });
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Prefix).HasMaxLength(10);
        builder.Property(k => k.SecretHash).HasMaxLength(64);
        builder.Property(k => k.Scopes).HasMaxLength(1000);
        // Platform-wide: the key's prefix finds the brand before any tenant is known.
        builder.HasIndex(k => k.Prefix).IsUnique();
        builder.Ignore(k => k.ScopeSet);
    }
}
