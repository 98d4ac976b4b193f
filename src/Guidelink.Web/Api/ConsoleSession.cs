using Guidelink.Web.Auth;
using Microsoft.AspNetCore.Authentication;

namespace Guidelink.Web.Api;

public static class ConsoleSession
{
    /// <summary>Sign-out for the console (sign-in is the login page's form).</summary>
    public static void MapConsoleSession(this IEndpointRouteBuilder app) =>
        app.MapPost("/console/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(GuidelinkAuth.Cookie);
            return TypedResults.LocalRedirect("/console/login");
        }).ExcludeFromDescription();
}
