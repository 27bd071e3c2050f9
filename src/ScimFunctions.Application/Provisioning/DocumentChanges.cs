using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Application.Provisioning;

/// <summary>Attribute names of documents and of what changed between two: what change events and the journal may say.</summary>
internal static class DocumentChanges
{
    /// <summary>The attribute names of a document (what an event may say), never their values.</summary>
    public static IEnumerable<string> AttributeNames(JsonObject document) =>
        document.Where(p => p.Key != "schemas" && p.Value is not null)
            .SelectMany(p => p.Value is JsonObject extension && p.Key.StartsWith(ScimConstants.UrnPrefix, StringComparison.Ordinal)
                ? extension.Select(e => $"{p.Key}:{e.Key}")
                : [p.Key]);

    /// <summary>The names of the attributes that differ between two documents (extension attributes as <c>urn:…:name</c>).</summary>
    public static List<string> Changed(JsonObject before, JsonObject after)
    {
        var changed = new List<string>();
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal).Where(k => k != "schemas"))
        {
            var (old, now) = (before[key], after[key]);
            if ((old is JsonObject || now is JsonObject) && key.StartsWith(ScimConstants.UrnPrefix, StringComparison.Ordinal))
            {
                var oldObject = old as JsonObject ?? [];
                var newObject = now as JsonObject ?? [];
                changed.AddRange(oldObject.Select(p => p.Key).Union(newObject.Select(p => p.Key), StringComparer.Ordinal)
                    .Where(name => !JsonNode.DeepEquals(oldObject[name], newObject[name]))
                    .Select(name => $"{key}:{name}"));
            }
            else if (!JsonNode.DeepEquals(old, now))
            {
                changed.Add(key);
            }
        }

        return changed;
    }
}
