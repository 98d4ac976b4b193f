using Guidelink.Core.Features.Access;
using Guidelink.Core.Features.Tenancy;
using Guidelink.Core.Persistence;
using Guidelink.Core.Shared;
using Microsoft.AspNetCore.Authentication;

namespace Guidelink.Web.Auth;

/// <summary>Turns the authenticated principal into the request's <see cref="Actor"/> and brand scope.
/// Everything after this point (query filters, write guard, audit, permission checks) reads them.</summary>
public sealed class ActorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, TenantContext tenant, ActorContext actors, ActorCache cache, TimeProvider clock)
    {
        var user = context.User;
        Actor? actor = null;
        if (context.Items.TryGetValue(ApiKeyAuthenticationHandler.ActorItem, out var keyActor))
            actor = keyActor as Actor;
        else if (user.Identity?.IsAuthenticated == true &&
                 Guid.TryParse(user.FindFirst(GuidelinkAuth.TenantClaim)?.Value, out var tenantId))
        {
            // The brand comes from the signed claim; the person is then looked up inside that brand only.
            tenant.Set(new TenantId(tenantId));
            // The database (and its context) only on a cache miss: a hit costs no round trip and no DbContext.
            var brand = new TenantId(tenantId);
            if (Guid.TryParse(user.FindFirst(GuidelinkAuth.StaffClaim)?.Value, out var staffGuid))
            {
                var staffId = new StaffId(staffGuid);
                actor = await cache.GetOrBuildAsync(ActorCache.Key.ForStaff(brand, staffId), () =>
                    ActorFactory.ForStaffAsync(Db(context), brand, staffId, clock.GetUtcNow(), context.RequestAborted));
            }
            else if (Guid.TryParse(user.FindFirst(GuidelinkAuth.PartnerClaim)?.Value, out var partnerGuid))
            {
                var partnerId = new PartnerId(partnerGuid);
                actor = await cache.GetOrBuildAsync(ActorCache.Key.ForPartner(brand, partnerId), () =>
                    ActorFactory.ForPartnerAsync(Db(context), brand, partnerId, context.RequestAborted));
            }
            if (actor is null)
            {
                // The person left, was disabled or removed since signing in: end the session now.
                if (user.Identity.AuthenticationType == GuidelinkAuth.Cookie) await context.SignOutAsync(GuidelinkAuth.Cookie);
                context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
            }
        }

        if (actor is not null)
        {
            tenant.Set(actor.TenantId);
            actors.Current = actor;
        }
        await next(context);
    }

    private static GuidelinkDb Db(HttpContext context) => context.RequestServices.GetRequiredService<GuidelinkDb>();
}
