using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Resources;

/// <summary>
/// Reads the body of a POST or PUT (RFC 7644 §3.3, §3.5.1) into the canonical stored form of a resource:
/// attribute names in their schema spelling, extension attributes under their schema URN, values coerced to their
/// types, <c>schemas</c> listing the core schema and the extensions present. Read-only attributes (<c>id</c>,
/// <c>meta</c>, <c>groups</c>) are ignored, as RFC 7643 §2.2 says; write-only ones (<c>password</c>) are discarded.
/// Attributes that no schema defines are ignored. A missing required attribute is <c>invalidValue</c>.
/// </summary>
public static class ResourceNormalizer
{
    public static JsonObject Normalize(JsonNode? body, ResourceTypeDefinition resourceType)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        if (body is not JsonObject input)
        {
            throw new ScimException(ScimError.InvalidSyntax($"The request body must be a JSON object representing a {resourceType.Name}."));
        }

        CheckSchemas(input, resourceType);

        // Values by attribute, then written in schema order so that stored and returned resources look the same.
        var values = new Dictionary<ResolvedAttribute, JsonNode>();
        foreach (var (key, value) in input)
        {
            if (key.Equals(CommonAttributeDefinitions.Schemas, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (key.StartsWith(ScimConstants.UrnPrefix, StringComparison.OrdinalIgnoreCase))
            {
                ReadQualified(key, value, resourceType, values);
                continue;
            }

            var attribute = resourceType.Resolve(null, key);
            if (attribute is null || attribute.IsExtension)
            {
                continue;
            }

            Set(attribute, value, values);
        }

        return Build(values, resourceType);
    }

    /// <summary>Writes attribute values in schema order, with the <c>schemas</c> they need, and checks required ones.</summary>
    internal static JsonObject Build(IReadOnlyDictionary<ResolvedAttribute, JsonNode> values, ResourceTypeDefinition resourceType)
    {
        var output = new JsonObject();
        var schemas = new JsonArray(resourceType.CoreSchema.Id);
        output[CommonAttributeDefinitions.Schemas] = schemas;
        foreach (var attribute in resourceType.AllAttributes)
        {
            if (values.TryGetValue(attribute, out var value))
            {
                if (!attribute.IsExtension)
                {
                    output[attribute.Attribute.Name] = value;
                    continue;
                }

                if (output[attribute.Schema.Id] is not JsonObject extension)
                {
                    extension = [];
                    output[attribute.Schema.Id] = extension;
                    schemas.Add(attribute.Schema.Id);
                }

                extension[attribute.Attribute.Name] = value;
            }
        }

        ResourceRules.CheckRequired(output, resourceType);
        return output;
    }

    private static void ReadQualified(string key, JsonNode? value, ResourceTypeDefinition resourceType, Dictionary<ResolvedAttribute, JsonNode> values)
    {
        // "urn:…:enterprise:2.0:User": { … }
        var schema = resourceType.FindSchema(key);
        if (schema is not null)
        {
            if (value is null || value.GetValueKind() == JsonValueKind.Null)
            {
                return;
            }

            if (value is not JsonObject extension)
            {
                throw new ScimException(ScimError.InvalidValue($"The value of '{schema.Id}' must be an object."));
            }

            foreach (var (name, attributeValue) in extension)
            {
                var attribute = resourceType.Resolve(schema.Id, name);
                if (attribute is not null)
                {
                    Set(attribute, attributeValue, values);
                }
            }

            return;
        }

        // "urn:…:enterprise:2.0:User:employeeNumber": "42" (a qualified attribute name as a key)
        var colon = key.LastIndexOf(':');
        var qualified = resourceType.Resolve(key[..colon], key[(colon + 1)..]);
        if (qualified is not null)
        {
            Set(qualified, value, values);
        }
    }

    private static void Set(ResolvedAttribute attribute, JsonNode? value, Dictionary<ResolvedAttribute, JsonNode> values)
    {
        if (attribute.Attribute.Mutability == Mutability.ReadOnly || IdentityProviderQuirks.IsDiscardedOnWrite(attribute.Attribute))
        {
            return;
        }

        var coerced = ValueCoercer.CoerceAttribute(attribute, value);
        if (coerced is null)
        {
            values.Remove(attribute);
        }
        else
        {
            values[attribute] = coerced;
        }
    }

    private static void CheckSchemas(JsonObject input, ResourceTypeDefinition resourceType)
    {
        var (found, schemas) = ValueCoercer.FindProperty(input, CommonAttributeDefinitions.Schemas);
        if (!found || schemas is null)
        {
            return;
        }

        if (schemas is not JsonArray list || list.Any(s => s is null || s.GetValueKind() != JsonValueKind.String))
        {
            throw new ScimException(ScimError.InvalidSyntax("'schemas' must be an array of schema URNs."));
        }

        if (list.Count > 0 && !list.Any(s => string.Equals(s!.GetValue<string>(), resourceType.CoreSchema.Id, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ScimException(ScimError.InvalidSyntax(
                $"'schemas' must contain '{resourceType.CoreSchema.Id}' for a {resourceType.Name}."));
        }
    }
}
