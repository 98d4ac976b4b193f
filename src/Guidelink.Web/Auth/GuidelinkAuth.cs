using System.Security.Claims;
using Guidelink.Core.Features.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace Guidelink.Web.Auth;

/// <summary>Three ways in, one policy scheme choosing between them: a cookie for console pages, an opaque
/// bearer token for people using the API, an API key (X-Api-Key) for machines. Tokens and cookies are
/// protected by the data-protection keys in the database, so any instance accepts what another issued.</summary>
public static class GuidelinkAuth
{
    public const string Smart = "Guidelink";
    public const string Cookie = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string Bearer = BearerTokenDefaults.AuthenticationScheme;
    public const string ApiKeyScheme = "ApiKey";
    public const string ApiKeyHeader = "X-Api-Key";

    public const string TenantClaim = "guidelink:tenant";
    public const string StaffClaim = "guidelink:staff";
    public const string PartnerClaim = "guidelink:partner";

    public static IServiceCollection AddGuidelinkAuth(this IServiceCollection services)
    {
        services.AddAuthentication(Smart)
            .AddPolicyScheme(Smart, "Cookie, bearer token or API key", o => o.ForwardDefaultSelector = context =>
            {
                if (context.Request.Headers.ContainsKey(ApiKeyHeader)) return ApiKeyScheme;
                var authorization = context.Request.Headers.Authorization.ToString();
                return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? Bearer : Cookie;
            })
            .AddCookie(Cookie, o =>
            {
                o.Cookie.Name = ".guidelink.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.LoginPath = "/console/login";
                o.AccessDeniedPath = "/console/denied";
                o.ExpireTimeSpan = TimeSpan.FromHours(10);
                o.SlidingExpiration = true;
                // An API call without a session gets 401/403, not a redirect to the login page.
                o.Events.OnRedirectToLogin = ctx => RedirectOrStatus(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => RedirectOrStatus(ctx, StatusCodes.Status403Forbidden);
            })
            .AddBearerToken(Bearer, o => o.BearerTokenExpiration = TimeSpan.FromHours(8))
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null);

        services.AddAuthorization(o =>
        {
            foreach (var permission in Permissions.All)
                o.AddPolicy(permission, p => p.RequireAuthenticatedUser().AddRequirements(new PermissionRequirement(permission)));
        });
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        return services;
    }

    public static ClaimsPrincipal PrincipalFor(SignIn.Response person, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.Name, person.Name),
        new Claim(ClaimTypes.Role, person.Role?.ToString() ?? "Partner"),
        new Claim(TenantClaim, person.TenantId.Value.ToString()),
        person.PartnerId is { } partner ? new Claim(PartnerClaim, partner.Value.ToString()) : new Claim(StaffClaim, person.StaffId!.Value.Value.ToString()),
    ], scheme));

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api")) context.Response.StatusCode = status;
        else context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

public sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>Asks the request's <see cref="Actor"/> (built from the database) for a named permission.</summary>
public sealed class PermissionHandler(IHttpContextAccessor http) : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var actor = http.HttpContext?.RequestServices.GetRequiredService<ActorContext>().Current;
        if (actor is not null && actor.Has(requirement.Permission)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
