using Guidelink.Core.Features.Access;
using Guidelink.Web.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

public static class AuthEndpoints
{
    public sealed record TokenRequest(string? Login, string? Password);
    public sealed record Me(string Name, string Kind, Guid TenantId, Guid? StaffId, string? Role, IReadOnlyList<string> Permissions, bool BrandWide, Guid? PartnerId = null);

    public static RouteGroupBuilder MapAuthEndpoints(this RouteGroupBuilder group)
    {
        group.WithTags("Auth");
        group.MapPost("/token", IssueToken).AllowAnonymous()
            .WithSummary("Exchange a login and password for a bearer token (Authorization: Bearer …).");
        group.MapGet("/me", GetMe).RequireAuthorization();
        group.MapPost("/api-keys", CreateKey).RequireAuthorization(Permissions.SettingsWrite)
            .WithSummary("Issue an API key for a machine of this brand; the key is shown once.");
        return group;
    }

    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> IssueToken(TokenRequest request, SignIn.Handler handler, CancellationToken ct)
    {
        var person = await handler.HandleAsync(new SignIn.Request(request.Login, request.Password), ct);
        if (person is null)
            return TypedResults.Problem("The login or password is wrong, or the account is disabled.", statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed");
        return TypedResults.SignIn(GuidelinkAuth.PrincipalFor(person, GuidelinkAuth.Bearer), authenticationScheme: GuidelinkAuth.Bearer);
    }

    private static Results<Ok<Me>, UnauthorizedHttpResult> GetMe(ActorContext actors)
    {
        if (actors.Current is not { } a) return TypedResults.Unauthorized();
        return TypedResults.Ok(new Me(a.Name, a.Kind.ToString(), a.TenantId.Value, a.StaffId?.Value, a.Role?.ToString(),
            a.Permissions.Order(StringComparer.Ordinal).ToList(), a.Scope.IsBrandWide, a.PartnerId?.Value));
    }

    private static async Task<Results<Created<CreateApiKey.Response>, ValidationProblem, ProblemHttpResult>> CreateKey(
        CreateApiKey.Request request, CreateApiKey.Handler handler, CancellationToken ct) =>
        (await handler.HandleAsync(request, ct)).ToCreated(k => $"/api/auth/api-keys/{k.Id}");
}
