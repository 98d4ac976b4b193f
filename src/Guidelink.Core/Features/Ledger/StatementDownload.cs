using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Guidelink.Core.Features.Ledger;

/// <summary>A statement an earner (or someone for them) downloaded, with the chain head it carried: the
/// earner's page lists these heads, so a history rewritten after a download cannot pass against them.</summary>
public sealed class StatementDownload : ITenantOwned
{
    private StatementDownload() { }

    public TenantId TenantId { get; private set; }
    public Guid Id { get; private set; }
    public string Holder { get; private set; } = "";
    public DateTimeOffset From { get; private set; }
    public DateTimeOffset To { get; private set; }
    public long HeadSeq { get; private set; }
    public string? HeadHash { get; private set; }
    public string Format { get; private set; } = "";
    public DateTimeOffset DownloadedAt { get; private set; }
    public string DownloadedBy { get; private set; } = "";

    public static StatementDownload Create(TenantId tenant, string holder, DateTimeOffset from, DateTimeOffset to, long headSeq, string? headHash,
        string format, DateTimeOffset now, string by) => new()
        {
            TenantId = tenant,
            Id = Guid.CreateVersion7(),
            Holder = holder,
            From = from,
            To = to,
            HeadSeq = headSeq,
            HeadHash = headHash,
            Format = format,
            DownloadedAt = now,
            DownloadedBy = by,
        };
}

public sealed class StatementDownloadConfiguration : IEntityTypeConfiguration<StatementDownload>
{
    public void Configure(EntityTypeBuilder<StatementDownload> builder)
    {
        builder.ToTable("StatementDownloads");
        builder.HasKey(s => new { s.TenantId, s.Id });
        builder.Property(s => s.Holder).HasMaxLength(60);
        builder.Property(s => s.HeadHash).HasMaxLength(64);
        builder.Property(s => s.Format).HasMaxLength(10);
        builder.Property(s => s.DownloadedBy).HasMaxLength(100);
        builder.HasIndex(s => new { s.TenantId, s.Holder, s.DownloadedAt });
    }
}
