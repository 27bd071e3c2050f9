using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Resources;

/// <summary>
/// Turns a request value into the canonical stored form of an attribute (RFC 7643 §2.3): canonical sub-attribute
/// names, checked types, null, "" and empty arrays or objects as "unassigned" (returned as null), read-only
/// sub-attributes dropped, at most one <c>primary</c> value. Wrong types are <c>invalidValue</c> errors.
/// </summary>
internal static class ValueCoercer
{
    /// <summary>Coerces the value of a top-level attribute, after the IdP shape rewrites.</summary>
    public static JsonNode? CoerceAttribute(ResolvedAttribute attribute, JsonNode? value) =>
        Coerce(attribute.Attribute, IdentityProviderQuirks.NormalizeValue(attribute, value), attribute.QualifiedName, asElement: false);

    /// <summary>Coerces a value of <paramref name="attribute"/>; with <paramref name="asElement"/> one element of a multi-valued attribute.</summary>
    public static JsonNode? Coerce(SchemaAttribute attribute, JsonNode? value, string name, bool asElement)
    {
        if (value is null || value.GetValueKind() == JsonValueKind.Null)
        {
            return null;
        }

        if (attribute.MultiValued && !asElement)
        {
            return CoerceMultiValued(attribute, value, name);
        }

        if (attribute.Type == AttributeType.Complex)
        {
            return CoerceComplex(attribute, value, name);
        }

        return CoerceSimple(attribute, value, name);
    }

    private static JsonArray? CoerceMultiValued(SchemaAttribute attribute, JsonNode value, string name)
    {
        var items = value as JsonArray;
        var result = new JsonArray();
        var primaries = 0;
        if (items is null)
        {
            // A single value where an array is expected is taken as a one-element array.
            Add(Coerce(attribute, value, name, asElement: true));
        }
        else
        {
            foreach (var item in items)
            {
                Add(Coerce(attribute, item, name, asElement: true));
            }
        }

        if (primaries > 1)
        {
            throw Invalid($"At most one value of '{name}' can be primary.");
        }

        return result.Count == 0 ? null : result;

        void Add(JsonNode? element)
        {
            if (element is null)
            {
                return;
            }

            if (element is JsonObject obj && JsonValues.TryGetBoolean(obj["primary"], out var primary) && primary)
            {
                primaries++;
            }

            result.Add(element);
        }
    }

    private static JsonObject? CoerceComplex(SchemaAttribute attribute, JsonNode value, string name)
    {
        if (value is not JsonObject input)
        {
            throw Invalid($"The value of '{name}' must be an object.");
        }

        var output = new JsonObject();
        foreach (var sub in attribute.SubAttributes)
        {
            if (sub.Mutability == Mutability.ReadOnly)
            {
                continue;
            }

            var (found, subValue) = FindProperty(input, sub.Name);
            if (!found)
            {
                continue;
            }

            var coerced = Coerce(sub, subValue, $"{name}.{sub.Name}", asElement: false);
            if (coerced is not null)
            {
                output[sub.Name] = coerced;
            }
        }

        return output.Count == 0 ? null : output;
    }

    private static JsonValue? CoerceSimple(SchemaAttribute attribute, JsonNode value, string name)
    {
        var kind = value.GetValueKind();
        switch (attribute.Type)
        {
            case AttributeType.String or AttributeType.Reference:
                if (kind != JsonValueKind.String)
                {
                    throw Invalid($"The value of '{name}' must be a string.");
                }

                var text = value.GetValue<string>();
                return text.Length == 0 ? null : JsonValue.Create(text);

            case AttributeType.Boolean:
                if (JsonValues.TryGetBoolean(value, out var flag) || IdentityProviderQuirks.TryCoerceBoolean(value, out flag))
                {
                    return JsonValue.Create(flag);
                }

                throw Invalid($"The value of '{name}' must be a boolean.");

            case AttributeType.Integer:
                if (JsonValues.TryGetDecimal(value, out var integer) && decimal.Truncate(integer) == integer
                    && integer is >= long.MinValue and <= long.MaxValue)
                {
                    return JsonValue.Create((long)integer);
                }

                throw Invalid($"The value of '{name}' must be an integer.");

            case AttributeType.Decimal:
                if (JsonValues.TryGetDecimal(value, out var number))
                {
                    return JsonValue.Create(number);
                }

                throw Invalid($"The value of '{name}' must be a number.");

            case AttributeType.DateTime:
                if (kind == JsonValueKind.String && ScimDateTime.TryParse(value.GetValue<string>(), out _))
                {
                    return JsonValue.Create(value.GetValue<string>());
                }

                if (kind == JsonValueKind.String && value.GetValue<string>().Length == 0)
                {
                    return null;
                }

                throw Invalid($"The value of '{name}' must be an xsd:dateTime such as \"2026-01-31T12:00:00Z\".");

            case AttributeType.Binary:
                if (kind == JsonValueKind.String && IsBase64(value.GetValue<string>()))
                {
                    var encoded = value.GetValue<string>();
                    return encoded.Length == 0 ? null : JsonValue.Create(encoded);
                }

                throw Invalid($"The value of '{name}' must be base64-encoded binary.");

            default:
                throw Invalid($"The value of '{name}' has an unsupported type.");
        }
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[((text.Length * 3) / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    /// <summary>Finds a property by name, case-insensitively (Microsoft's test collection sends "UserName", "Primary").</summary>
    internal static (bool Found, JsonNode? Value) FindProperty(JsonObject input, string name)
    {
        if (input.TryGetPropertyValue(name, out var exact))
        {
            return (true, exact);
        }

        foreach (var (key, node) in input)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return (true, node);
            }
        }

        return (false, null);
    }

    private static ScimException Invalid(string detail) => new(ScimError.InvalidValue(detail));
}
