using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Organization;

public sealed class RegionConfiguration : IEntityTypeConfiguration<Region>
{
    public void Configure(EntityTypeBuilder<Region> builder)
    {
        builder.ToTable("Regions");
        builder.HasKey(r => new { r.TenantId, r.Id });
        builder.Property(r => r.Code).HasMaxLength(40);
        builder.Property(r => r.Name).HasMaxLength(100);
        builder.HasIndex(r => new { r.TenantId, r.Code }).IsUnique();
    }
}

public sealed class StoreConfiguration : IEntityTypeConfiguration<Store>
{
    public void Configure(EntityTypeBuilder<Store> builder)
    {
        builder.ToTable("Stores");
        builder.HasKey(s => new { s.TenantId, s.Id });
        builder.Property(s => s.Code).HasMaxLength(40);
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.Property(s => s.City).HasMaxLength(60);
        builder.Property(s => s.Address).HasMaxLength(200);
        builder.Property(s => s.MallName).HasMaxLength(100);
        builder.HasIndex(s => new { s.TenantId, s.Code }).IsUnique();
        builder.HasOne<Region>().WithMany().HasForeignKey(s => new { s.TenantId, s.RegionId }).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class StaffConfiguration : IEntityTypeConfiguration<Staff>
{
    public void Configure(EntityTypeBuilder<Staff> builder)
    {
        builder.ToTable("Staff");
        builder.HasKey(s => new { s.TenantId, s.Id });
        builder.Property(s => s.EmployeeNo).HasMaxLength(40);
        builder.Property(s => s.Name).HasMaxLength(100);
        builder.HasIndex(s => new { s.TenantId, s.EmployeeNo }).IsUnique();
        builder.HasMany(s => s.Assignments).WithOne()
            .HasForeignKey(a => new { a.TenantId, a.StaffId })
            .OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class StaffAssignmentConfiguration : IEntityTypeConfiguration<StaffAssignment>
{
    public void Configure(EntityTypeBuilder<StaffAssignment> builder)
    {
        builder.ToTable("StaffAssignments");
        builder.HasKey(a => new { a.TenantId, a.Id });
        builder.HasIndex(a => new { a.TenantId, a.StaffId, a.From });
        builder.HasIndex(a => new { a.TenantId, a.StoreId, a.From });
        builder.HasOne<Store>().WithMany().HasForeignKey(a => new { a.TenantId, a.StoreId }).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Region>().WithMany().HasForeignKey(a => new { a.TenantId, a.RegionId }).OnDelete(DeleteBehavior.Restrict);
    }
}
