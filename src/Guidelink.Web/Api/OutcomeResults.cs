using Guidelink.Core.Shared;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Guidelink.Web.Api;

/// <summary>Turns a use case's <see cref="Outcome{T}"/> into typed HTTP results: 400 problem details naming
/// each field, 404, 409 or 403 problem details.</summary>
public static class OutcomeResults
{
    public static Results<Ok<T>, ValidationProblem, ProblemHttpResult> ToOk<T>(this Outcome<T> outcome) => outcome.Kind switch
    {
        OutcomeKind.Ok => TypedResults.Ok(outcome.Value!),
        OutcomeKind.Invalid => Invalid(outcome),
        _ => Problem(outcome),
    };

    public static Results<Created<T>, ValidationProblem, ProblemHttpResult> ToCreated<T>(this Outcome<T> outcome, Func<T, string> location) => outcome.Kind switch
    {
        OutcomeKind.Ok => TypedResults.Created(location(outcome.Value!), outcome.Value!),
        OutcomeKind.Invalid => Invalid(outcome),
        _ => Problem(outcome),
    };

    private static ValidationProblem Invalid<T>(Outcome<T> outcome) =>
        TypedResults.ValidationProblem(outcome.Errors, title: "One or more fields are invalid.");

    private static ProblemHttpResult Problem<T>(Outcome<T> outcome) => outcome.Kind switch
    {
        OutcomeKind.NotFound => TypedResults.Problem(outcome.Detail, statusCode: StatusCodes.Status404NotFound, title: "Not found"),
        OutcomeKind.Conflict => TypedResults.Problem(outcome.Detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict"),
        OutcomeKind.Forbidden => TypedResults.Problem(outcome.Detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
        _ => throw new InvalidOperationException($"Outcome {outcome.Kind} is not a failure."),
    };
}
