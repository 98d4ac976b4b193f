using System.Linq.Expressions;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Features.Audit;
using Guidelink.Core.Features.Customers;
using Guidelink.Core.Features.Jobs;
using Guidelink.Core.Features.Organization;
using Guidelink.Core.Features.Partners;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Guidelink.Core.Persistence;

/// <summary>The one DbContext. Every brand-owned entity is filtered to the brand in scope
/// (<see cref="TenantContext"/>); writes are stamped and checked by <see cref="TenantWriteGuard"/>.</summary>
public sealed class GuidelinkDb(DbContextOptions<GuidelinkDb> options, TenantContext tenant)
    : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<Region> Regions => Set<Region>();
    public DbSet<Store> Stores => Set<Store>();
    public DbSet<Staff> Staff => Set<Staff>();
    public DbSet<StaffAssignment> StaffAssignments => Set<StaffAssignment>();
    public DbSet<UserAccount> UserAccounts => Set<UserAccount>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<JobLease> JobLeases => Set<JobLease>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Partner> Partners => Set<Partner>();
    public DbSet<ReferralCode> ReferralCodes => Set<ReferralCode>();
    public DbSet<Touch> Touches => Set<Touch>();
    public DbSet<AttributionDecision> AttributionDecisions => Set<AttributionDecision>();
    public DbSet<AttributionPolicy> AttributionPolicies => Set<AttributionPolicy>();
    public DbSet<TagGroup> TagGroups => Set<TagGroup>();
    public DbSet<Tag> Tags => Set<Tag>();
    public DbSet<CustomerTag> CustomerTags => Set<CustomerTag>();
    public DbSet<Features.Catalog.Category> Categories => Set<Features.Catalog.Category>();
    public DbSet<Features.Catalog.Product> Products => Set<Features.Catalog.Product>();
    public DbSet<Features.Orders.Order> Orders => Set<Features.Orders.Order>();
    public DbSet<Features.Orders.OrderLine> OrderLines => Set<Features.Orders.OrderLine>();
    public DbSet<Features.Orders.OrderEvent> OrderEvents => Set<Features.Orders.OrderEvent>();
    public DbSet<Features.Commission.CommissionLine> CommissionLines => Set<Features.Commission.CommissionLine>();
    public DbSet<Features.Commission.CommissionRuleVersion> CommissionRules => Set<Features.Commission.CommissionRuleVersion>();
    public DbSet<Features.Commission.CommissionSettings> CommissionSettings => Set<Features.Commission.CommissionSettings>();
    public DbSet<Features.Ledger.LedgerPosting> LedgerPostings => Set<Features.Ledger.LedgerPosting>();
    public DbSet<Features.Ledger.LedgerEntry> LedgerEntries => Set<Features.Ledger.LedgerEntry>();
    public DbSet<Features.Ledger.StatementDownload> StatementDownloads => Set<Features.Ledger.StatementDownload>();
    public DbSet<Features.Payouts.Payout> Payouts => Set<Features.Payouts.Payout>();
    public DbSet<Features.Payouts.PayoutMismatch> PayoutMismatches => Set<Features.Payouts.PayoutMismatch>();
    public DbSet<Features.Payouts.PayoutSettings> PayoutSettings => Set<Features.Payouts.PayoutSettings>();

    /// <summary>Read by the query filters on every query (EF parameterises it); with no brand in scope it
    /// is the empty id, which matches no row.</summary>
    public TenantId CurrentTenantId => tenant.Current ?? TenantId.None;

    public TenantContext TenantContext => tenant;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        foreach (var idType in typeof(ITypedId).Assembly.GetTypes().Where(t => t.IsValueType && typeof(ITypedId).IsAssignableFrom(t)))
            configurationBuilder.Properties(idType).HaveConversion(typeof(TypedIdConverter<>).MakeGenericType(idType));

        // Enums are stored by name: readable in the database and safe against reordering.
        foreach (var enumType in typeof(GuidelinkDb).Assembly.GetTypes().Where(t => t.IsEnum && t.Namespace?.StartsWith("Guidelink.Core.Features", StringComparison.Ordinal) == true))
            configurationBuilder.Properties(enumType).HaveConversion<string>().HaveMaxLength(40);

        // SQLite has no instant type, and EF cannot compare or order DateTimeOffset stored as text there.
        // UTC ticks keep order and arithmetic exact. PostgreSQL uses timestamptz.
        if (Database.IsSqlite())
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(GuidelinkDb).Assembly);
        modelBuilder.Entity<DataProtectionKey>().ToTable("DataProtectionKeys");

        foreach (var entityType in modelBuilder.Model.GetEntityTypes().Where(t => typeof(ITenantOwned).IsAssignableFrom(t.ClrType)))
        {
            var row = Expression.Parameter(entityType.ClrType, "row");
            var filter = Expression.Lambda(
                Expression.Equal(
                    Expression.Property(row, nameof(ITenantOwned.TenantId)),
                    Expression.Property(Expression.Constant(this), nameof(CurrentTenantId))),
                row);
            modelBuilder.Entity(entityType.ClrType).HasQueryFilter(filter);
        }
    }
}

/// <summary>DateTimeOffset ↔ UTC ticks (long), for SQLite. Values come back with offset zero.</summary>
public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.UtcTicks,
    v => new DateTimeOffset(v, TimeSpan.Zero));
