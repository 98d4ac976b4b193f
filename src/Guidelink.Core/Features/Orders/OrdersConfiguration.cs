using Guidelink.Core.Features.Organization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Orders;

public sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> builder)
    {
        builder.ToTable("Orders");
        builder.HasKey(o => new { o.TenantId, o.Id });
        builder.Property(o => o.ExternalNo).HasMaxLength(64);
        builder.Property(o => o.RequestHash).HasMaxLength(64);
        builder.Property(o => o.CreditNote).HasMaxLength(300);
        builder.Property(o => o.ReferralCode).HasMaxLength(30);
        builder.Property(o => o.Version).IsConcurrencyToken();
        // The idempotency key: one order per channel and external number, whatever races.
        builder.HasIndex(o => new { o.TenantId, o.Channel, o.ExternalNo }).IsUnique();
        builder.HasIndex(o => new { o.TenantId, o.CreditId, o.PlacedAt });
        builder.HasIndex(o => new { o.TenantId, o.CustomerId, o.PlacedAt });
        builder.HasIndex(o => new { o.TenantId, o.SettledAt, o.SettleDueAt });
        builder.HasIndex(o => new { o.TenantId, o.PlacedAt });
        builder.HasOne<Store>().WithMany().HasForeignKey(o => new { o.TenantId, o.StoreId }).OnDelete(DeleteBehavior.Restrict);
        // The relationship stays in the model (Include, tracking the lines with their order), but the database has no
        // constraint for it: migration KeysInsideAggregates drops it. The lines are built by Order.Create and written with
        // their order in one transaction, and orders are never deleted; in PostgreSQL the constraint was a query per line
        // at insert (docs/decisions/0009). EF Core's own advice for a relationship without a constraint is to leave it out
        // of the migration; a later migration that rebuilds OrderLines on SQLite from the model would bring it back.
        builder.HasMany(o => o.Lines).WithOne().HasForeignKey(l => new { l.TenantId, l.OrderId }).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(o => o.Credit);
    }
}

public sealed class OrderLineConfiguration : IEntityTypeConfiguration<OrderLine>
{
    public void Configure(EntityTypeBuilder<OrderLine> builder)
    {
        builder.ToTable("OrderLines");
        builder.HasKey(l => new { l.TenantId, l.OrderId, l.LineNo });
        builder.Property(l => l.Sku).HasMaxLength(40);
        builder.Property(l => l.Name).HasMaxLength(200);
        builder.Property(l => l.Category).HasMaxLength(40);
        builder.Ignore(l => l.RefundableFen);
    }
}

public sealed class OrderEventConfiguration : IEntityTypeConfiguration<OrderEvent>
{
    public void Configure(EntityTypeBuilder<OrderEvent> builder)
    {
        builder.ToTable("OrderEvents");
        builder.HasKey(e => new { e.TenantId, e.Id });
        builder.Property(e => e.Key).HasMaxLength(64);
        builder.Property(e => e.RequestHash).HasMaxLength(64);
        builder.Property(e => e.Note).HasMaxLength(300);
        builder.Property(e => e.RefundLines).HasMaxLength(2000);
        // Each event is idempotent by its own key (a refund by its refund number).
        builder.HasIndex(e => new { e.TenantId, e.OrderId, e.Kind, e.Key }).IsUnique();
        builder.HasOne<Order>().WithMany().HasForeignKey(e => new { e.TenantId, e.OrderId }).OnDelete(DeleteBehavior.Cascade);
    }
}
