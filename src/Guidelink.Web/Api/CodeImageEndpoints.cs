using Guidelink.Core.Features.Attribution;
using Guidelink.Core.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using QRCoder;

namespace Guidelink.Web.Api;

/// <summary>QR images of a referral code's share link (<c>{scheme}://{host}/r/{code}</c> of the request), as PNG
/// for screens and posters and as SVG for print. Anonymous: a code is meant to be shared, and the image says
/// nothing the link does not.</summary>
public static class CodeImageEndpoints
{
    public static void MapCodeImageEndpoints(this IEndpointRouteBuilder app)
    {
        var codes = app.MapGroup("/api/codes").WithTags("Connect").AllowAnonymous();
        codes.MapGet("/{code}/qr.png", PngAsync).WithSummary("The share link of a referral code as a QR code (PNG).");
        codes.MapGet("/{code}/qr.svg", SvgAsync).WithSummary("The share link of a referral code as a QR code (SVG, for print).");
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> PngAsync(string code, HttpContext http, GuidelinkDb db, CancellationToken ct)
    {
        if (await ShareUrlAsync(code, http, db, ct) is not { } url) return TypedResults.NotFound();
        using var data = Encode(url);
        using var png = new PngByteQRCode(data);
        Cache(http);
        return TypedResults.File(png.GetGraphic(10), "image/png");
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> SvgAsync(string code, HttpContext http, GuidelinkDb db, CancellationToken ct)
    {
        if (await ShareUrlAsync(code, http, db, ct) is not { } url) return TypedResults.NotFound();
        using var data = Encode(url);
        using var svg = new SvgQRCode(data);
        Cache(http);
        var bytes = System.Text.Encoding.UTF8.GetBytes(svg.GetGraphic(10));
        return TypedResults.File(bytes, "image/svg+xml", $"guidelink-{ReferralCode.Normalize(code)}.svg");
    }

    /// <summary>The absolute share link of an active code, on the host the request came to; null for an unknown or disabled code.
    /// Codes live in the platform directory, so they are looked up before any brand is known.</summary>
    private static async Task<string?> ShareUrlAsync(string code, HttpContext http, GuidelinkDb db, CancellationToken ct)
    {
        var normalized = ReferralCode.Normalize(code);
        if (normalized.Length is 0 or > 64) return null;
        var known = await db.ReferralCodes.IgnoreQueryFilters().AsNoTracking()
            .AnyAsync(c => c.Code == normalized && c.DisabledAt == null, ct);
        if (!known) return null;
        var request = http.Request;
        return $"{request.Scheme}://{request.Host}{request.PathBase}/r/{normalized}";
    }

    private static QRCodeData Encode(string url)
    {
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
    }

    private static void Cache(HttpContext http) => http.Response.Headers.CacheControl = "public, max-age=3600";
}
