using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Http;

/// <summary>The attribute names a write request names (for the activity journal): never their values.</summary>
internal static class RequestAttributes
{
    private const int MaxNames = 50;

    public static IReadOnlyList<string> Names(JsonNode? body)
    {
        if (body is not JsonObject document)
        {
            return [];
        }

        var names = new List<string>();
        if (document["Operations"] is JsonArray operations)
        {
            foreach (var operation in operations.OfType<JsonObject>())
            {
                if (operation["path"] is JsonValue path && path.TryGetValue<string>(out var text) && text.Length > 0)
                {
                    var end = text.IndexOfAny(['[', ' ']);
                    names.Add(end < 0 ? text : text[..end]);
                }
                else if (operation["value"] is JsonObject value)
                {
                    names.AddRange(TopLevel(value));
                }
            }
        }
        else
        {
            names.AddRange(TopLevel(document));
        }

        return [.. names.Where(n => n.Length <= 200).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxNames)];
    }

    private static IEnumerable<string> TopLevel(JsonObject document) =>
        document.Where(p => p.Key is not ("schemas" or "id" or "meta"))
            .SelectMany(p => p.Value is JsonObject extension && p.Key.StartsWith(ScimConstants.UrnPrefix, StringComparison.Ordinal)
                ? extension.Select(e => $"{p.Key}:{e.Key}")
                : [p.Key]);
}
