using System.Security.Claims;
using System.Text.Encodings.Web;
using Guidelink.Core.Features.Access;
using Guidelink.Core.Persistence;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Guidelink.Web.Auth;

/// <summary>Authenticates a machine by its X-Api-Key header. The key's platform-wide prefix finds the brand;
/// the actor it yields carries exactly the key's scopes.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ActorCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string ActorItem = "guidelink:api-key-actor";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var plain = Request.Headers[GuidelinkAuth.ApiKeyHeader].ToString();
        if (string.IsNullOrEmpty(plain)) return AuthenticateResult.NoResult();
        var actor = ApiKey.PrefixOf(plain) is { } prefix
            ? await cache.GetOrBuildApiKeyAsync(prefix, plain, () =>
                ActorFactory.FindApiKeyAsync(Context.RequestServices.GetRequiredService<GuidelinkDb>(), plain, Context.RequestAborted))
            : null;
        if (actor is null) return AuthenticateResult.Fail("Unknown or revoked API key.");

        Context.Items[ActorItem] = actor;
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, actor.Name),
            new Claim(GuidelinkAuth.TenantClaim, actor.TenantId.Value.ToString()),
        ], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
