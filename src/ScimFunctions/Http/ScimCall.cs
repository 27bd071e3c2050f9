using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Http;

/// <summary>An authenticated SCIM request as the functions see it: the organization, the body, the query.</summary>
public sealed class ScimCall(HttpRequest request, ScimRequestContext context, JsonNode? body)
{
    public ScimRequestContext Context => context;

    public JsonNode? Body => body;

    public string? IfMatch => request.Headers.IfMatch.Count == 0 ? null : request.Headers.IfMatch.ToString();

    public Projection Projection => new(Query("attributes"), Query("excludedAttributes"));

    /// <summary>A GET list request from the query string (RFC 7644 §3.4.2); unknown parameters are ignored.</summary>
    public ListRequest ListFromQuery() => new()
    {
        Filter = Query("filter"),
        StartIndex = Integer("startIndex", Query("startIndex")),
        Count = Integer("count", Query("count")),
        Cursor = Query("cursor"),
        Attributes = Query("attributes"),
        ExcludedAttributes = Query("excludedAttributes"),
    };

    /// <summary>A POST /.search request (RFC 7644 §3.4.3).</summary>
    public ListRequest ListFromSearchBody()
    {
        if (body is not JsonObject search)
        {
            throw new ScimException(ScimError.InvalidSyntax("The body must be a SearchRequest message."));
        }

        if (search["schemas"] is not JsonArray schemas
            || !schemas.Any(s => s?.GetValueKind() == JsonValueKind.String && s.GetValue<string>() == ScimConstants.SearchRequestMessage))
        {
            throw new ScimException(ScimError.InvalidSyntax($"'schemas' must contain '{ScimConstants.SearchRequestMessage}'."));
        }

        return new ListRequest
        {
            Filter = Text(search, "filter"),
            StartIndex = Integer("startIndex", search["startIndex"]),
            Count = Integer("count", search["count"]),
            Cursor = Text(search, "cursor"),
            Attributes = List(search, "attributes"),
            ExcludedAttributes = List(search, "excludedAttributes"),
        };
    }

    private string? Query(string name)
    {
        foreach (var (key, value) in request.Query)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value.ToString();
            }
        }

        return null;
    }

    private static int? Integer(string name, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? (int)Math.Clamp(value, int.MinValue, int.MaxValue)
            : throw new ScimException(ScimError.InvalidValue($"'{name}' must be an integer."));
    }

    private static int? Integer(string name, JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number) =>
            (int)Math.Clamp(number, int.MinValue, int.MaxValue),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => Integer(name, value.GetValue<string>()),
        _ => throw new ScimException(ScimError.InvalidValue($"'{name}' must be an integer.")),
    };

    private static string? Text(JsonObject search, string name) => search[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw new ScimException(ScimError.InvalidValue($"'{name}' must be a string.")),
    };

    private static string? List(JsonObject search, string name) => search[name] switch
    {
        null => null,
        JsonArray items when items.All(i => i?.GetValueKind() == JsonValueKind.String) => string.Join(',', items.Select(i => i!.GetValue<string>())),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw new ScimException(ScimError.InvalidValue($"'{name}' must be an array of attribute names.")),
    };
}
