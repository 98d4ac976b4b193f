using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Guidelink.Web.Tests;

/// <summary>Small helpers for reading JSON answers in tests.</summary>
internal static class Http
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(expected, body);
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await client.GetAsync(url, TestContext.Current.CancellationToken)).JsonAsync(expected);

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url, object body, HttpStatusCode expected) =>
        await (await client.PostAsJsonAsync(url, body, TestContext.Current.CancellationToken)).JsonAsync(expected);

    public static async Task<JsonElement> PutJsonAsync(this HttpClient client, string url, object body, HttpStatusCode expected) =>
        await (await client.PutAsJsonAsync(url, body, TestContext.Current.CancellationToken)).JsonAsync(expected);

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static IReadOnlyList<string> ErrorFields(this JsonElement problem) =>
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    public static async Task<string> StoreIdAsync(this HttpClient client, string code) =>
        (await client.GetJsonAsync("/api/org/stores")).EnumerateArray().Single(s => s.Str("code") == code).Str("id");

    public static async Task<string> RegionIdAsync(this HttpClient client, string code) =>
        (await client.GetJsonAsync("/api/org/regions")).EnumerateArray().Single(s => s.Str("code") == code).Str("id");
}
