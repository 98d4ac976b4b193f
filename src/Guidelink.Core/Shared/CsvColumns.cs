namespace Guidelink.Core.Shared;

/// <summary>Which column of an import file holds which field: the header's known names first, then the user's
/// <c>--map column=field,...</c>, which wins. Shared by the customer and the order import.</summary>
public static class CsvColumns
{
    /// <summary>The column index of each field found; <paramref name="error"/> names a malformed mapping or a mapped
    /// column the header does not have (the caller then checks the fields it requires).</summary>
    public static Dictionary<TField, int> Map<TField>(string[] header, string? map, IReadOnlyDictionary<string, TField> aliases, out string? error)
        where TField : struct, Enum
    {
        error = null;
        var columns = new Dictionary<TField, int>();
        for (var i = 0; i < header.Length; i++)
        {
            // Spreadsheets save UTF-8 with a byte-order mark, which then sticks to the first column's name.
            var name = header[i].Trim().TrimStart('\uFEFF');
            if (aliases.TryGetValue(name, out var field)) columns.TryAdd(field, i);
        }
        foreach (var pair in (map ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !Enum.TryParse<TField>(parts[1], true, out var field) || !Enum.IsDefined(field))
            {
                error = $"'{pair}' is not column=field (fields: {string.Join(", ", Enum.GetNames<TField>().Select(n => n.ToLowerInvariant()))}).";
                return columns;
            }
            var index = Array.FindIndex(header, h => h.Trim().TrimStart('\uFEFF').Equals(parts[0], StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                error = $"column '{parts[0]}' is not in the file's header ({string.Join(", ", header)}).";
                return columns;
            }
            columns[field] = index;
        }
        return columns;
    }
}
