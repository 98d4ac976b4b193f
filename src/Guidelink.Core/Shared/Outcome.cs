namespace Guidelink.Core.Shared;

public enum OutcomeKind { Ok, Invalid, NotFound, Conflict, Forbidden }

/// <summary>What a use case answers. Expected failures are values, not exceptions, so the HTTP layer can
/// turn each into the right problem details without guessing.</summary>
public sealed class Outcome<T>
{
    private Outcome(OutcomeKind kind, T? value, IReadOnlyDictionary<string, string[]>? errors, string? detail)
    {
        Kind = kind;
        Value = value;
        Errors = errors ?? new Dictionary<string, string[]>();
        Detail = detail;
    }

    public OutcomeKind Kind { get; }
    public T? Value { get; }
    public IReadOnlyDictionary<string, string[]> Errors { get; }
    public string? Detail { get; }
    public bool IsOk => Kind == OutcomeKind.Ok;

    public static Outcome<T> Ok(T value) => new(OutcomeKind.Ok, value, null, null);
    public static Outcome<T> Invalid(IReadOnlyDictionary<string, string[]> errors) => new(OutcomeKind.Invalid, default, errors, "One or more fields are invalid.");
    public static Outcome<T> Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });
    public static Outcome<T> NotFound(string detail) => new(OutcomeKind.NotFound, default, null, detail);
    public static Outcome<T> Conflict(string detail) => new(OutcomeKind.Conflict, default, null, detail);
    public static Outcome<T> Forbidden(string detail) => new(OutcomeKind.Forbidden, default, null, detail);

    public static implicit operator Outcome<T>(T value) => Ok(value);
}

/// <summary>Collects field errors under the JSON names the client sent, so a 400 names each wrong field.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public FieldErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public FieldErrors Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, "is required.");
        else if (value.Trim().Length > maxLength) Add(field, $"must be at most {maxLength} characters.");
        return this;
    }

    public FieldErrors Optional(string field, string? value, int maxLength)
    {
        if (value is not null && value.Trim().Length > maxLength) Add(field, $"must be at most {maxLength} characters.");
        return this;
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public Outcome<T> ToOutcome<T>() => Outcome<T>.Invalid(ToDictionary());
}
