using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScimFunctions.Core.Resources;

/// <summary>Reads typed values from JSON nodes whatever created them (parsed text or CLR values).</summary>
public static class JsonValues
{
    public static bool TryGetString(JsonNode? node, out string value)
    {
        if (node is JsonValue jsonValue && jsonValue.GetValueKind() == JsonValueKind.String)
        {
            value = jsonValue.GetValue<string>();
            return true;
        }

        value = string.Empty;
        return false;
    }

    public static bool TryGetBoolean(JsonNode? node, out bool value)
    {
        switch (node?.GetValueKind())
        {
            case JsonValueKind.True:
                value = true;
                return true;
            case JsonValueKind.False:
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    public static bool TryGetDecimal(JsonNode? node, out decimal value)
    {
        value = 0;
        if (node is not JsonValue jsonValue || jsonValue.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (jsonValue.TryGetValue(out value))
        {
            return true;
        }

        if (jsonValue.TryGetValue(out long integer))
        {
            value = integer;
            return true;
        }

        if (jsonValue.TryGetValue(out int small))
        {
            value = small;
            return true;
        }

        return decimal.TryParse(jsonValue.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// True when a node holds a value in the sense of <c>pr</c> (RFC 7644 §3.4.2.2): not null, not an empty string,
    /// not an empty array and not an object without any value.
    /// </summary>
    public static bool HasValue(JsonNode? node) => node switch
    {
        null => false,
        JsonArray array => array.Any(HasValue),
        JsonObject obj => obj.Any(p => HasValue(p.Value)),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => false,
            JsonValueKind.String => node.GetValue<string>().Length > 0,
            _ => true,
        },
    };
}
