using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Payouts;

public sealed class PayoutConfiguration : IEntityTypeConfiguration<Payout>
{
    public void Configure(EntityTypeBuilder<Payout> builder)
    {
        builder.ToTable("Payouts");
        builder.HasKey(p => new { p.TenantId, p.Id });
        builder.Property(p => p.Holder).HasMaxLength(60);
        builder.Property(p => p.RequestKey).HasMaxLength(64);
        builder.Property(p => p.Provider).HasMaxLength(40);
        builder.Property(p => p.RequestedBy).HasMaxLength(100);
        builder.Property(p => p.FirstApprover).HasMaxLength(100);
        builder.Property(p => p.SecondApprover).HasMaxLength(100);
        builder.Property(p => p.RejectedBy).HasMaxLength(100);
        builder.Property(p => p.RejectReason).HasMaxLength(300);
        builder.Property(p => p.OutBillNo).HasMaxLength(32);
        builder.Property(p => p.TransferBillNo).HasMaxLength(64);
        builder.Property(p => p.PackageInfo).HasMaxLength(2000);
        builder.Property(p => p.FailReason).HasMaxLength(100);
        builder.Property(p => p.LastError).HasMaxLength(300);
        builder.Property(p => p.ClaimedBy).HasMaxLength(200);
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.Ignore(p => p.IsFinal);
        // One bill number per brand, ever: a retry can only re-send the same bill.
        builder.HasIndex(p => new { p.TenantId, p.OutBillNo }).IsUnique();
        // A client retry of the same request finds the first answer.
        builder.HasIndex(p => new { p.TenantId, p.Holder, p.RequestKey }).IsUnique();
        builder.HasIndex(p => new { p.TenantId, p.Status, p.NextAttemptAt });
    }
}

public sealed class PayoutMismatchConfiguration : IEntityTypeConfiguration<PayoutMismatch>
{
    public void Configure(EntityTypeBuilder<PayoutMismatch> builder)
    {
        builder.ToTable("PayoutMismatches");
        builder.HasKey(m => new { m.TenantId, m.Id });
        builder.Property(m => m.OutBillNo).HasMaxLength(40);
        builder.Property(m => m.OurState).HasMaxLength(40);
        builder.Property(m => m.ProviderState).HasMaxLength(40);
        builder.Property(m => m.Source).HasMaxLength(20);
        builder.Property(m => m.Detail).HasMaxLength(300);
        builder.HasIndex(m => new { m.TenantId, m.At });
    }
}

public sealed class PayoutSettingsConfiguration : IEntityTypeConfiguration<PayoutSettings>
{
    public void Configure(EntityTypeBuilder<PayoutSettings> builder)
    {
        builder.ToTable("PayoutSettings");
        builder.HasKey(s => s.TenantId);
        builder.Property(s => s.Provider).HasMaxLength(40);
        builder.Property(s => s.MerchantCipher).HasMaxLength(20_000);
    }
}
