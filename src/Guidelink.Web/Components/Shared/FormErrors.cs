using Microsoft.AspNetCore.Components.Forms;

namespace Guidelink.Web.Components.Shared;

/// <summary>Shows a use case's field errors ("regionId": [...]) next to the matching form inputs.</summary>
public static class FormErrors
{
    public static void Show(EditContext context, ValidationMessageStore store, object model, IReadOnlyDictionary<string, string[]> errors)
    {
        store.Clear();
        foreach (var (field, messages) in errors)
        {
            var property = field.Length == 0 ? field : char.ToUpperInvariant(field[0]) + field[1..];
            store.Add(new FieldIdentifier(model, property), messages.Select(m => $"{property}: {m}"));
        }
        context.NotifyValidationStateChanged();
    }
}
