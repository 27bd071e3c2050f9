using System.Text.Json.Nodes;

namespace ScimFunctions.Core.Protocol;

/// <summary>The ListResponse message of RFC 7644 §3.4.2, with the cursor of RFC 9865 when paging by cursor.</summary>
public static class ScimListResponse
{
    public static JsonObject Create(
        IEnumerable<JsonNode> resources,
        long totalResults,
        int? startIndex,
        string? nextCursor = null)
    {
        var array = new JsonArray();
        foreach (var resource in resources)
        {
            array.Add(resource);
        }

        var body = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ListResponseMessage),
            ["totalResults"] = totalResults,
            ["itemsPerPage"] = array.Count,
        };
        if (startIndex is { } index)
        {
            body["startIndex"] = index;
        }

        if (nextCursor is not null)
        {
            body["nextCursor"] = nextCursor;
        }

        body["Resources"] = array;
        return body;
    }
}
