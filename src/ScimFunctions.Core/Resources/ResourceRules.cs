using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Resources;

/// <summary>Rules a whole resource obeys after any write: required attributes and immutable values.</summary>
public static class ResourceRules
{
    /// <summary>Every required attribute of the core schema, and of each extension present or required, has a value.</summary>
    public static void CheckRequired(JsonObject resource, ResourceTypeDefinition resourceType)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(resourceType);
        foreach (var attribute in resourceType.CoreSchema.Attributes)
        {
            if (attribute.Required && !JsonValues.HasValue(resource[attribute.Name]))
            {
                throw new ScimException(ScimError.InvalidValue($"Attribute '{attribute.Name}' is required."));
            }
        }

        foreach (var extension in resourceType.Extensions)
        {
            var values = resource[extension.Schema.Id] as JsonObject;
            if (values is null && !extension.Required)
            {
                continue;
            }

            foreach (var attribute in extension.Schema.Attributes)
            {
                if (attribute.Required && !JsonValues.HasValue(values?[attribute.Name]))
                {
                    throw new ScimException(ScimError.InvalidValue($"Attribute '{extension.Schema.Id}:{attribute.Name}' is required."));
                }
            }
        }
    }

    /// <summary>
    /// For a replacement (PUT): an immutable attribute that has a value keeps it (RFC 7643 §7 "immutable").
    /// </summary>
    public static void CheckImmutable(JsonObject existing, JsonObject replacement, ResourceTypeDefinition resourceType)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(replacement);
        ArgumentNullException.ThrowIfNull(resourceType);
        foreach (var attribute in resourceType.AllAttributes)
        {
            if (attribute.Attribute.Mutability != Mutability.Immutable)
            {
                continue;
            }

            var before = Locate(existing, attribute);
            var after = Locate(replacement, attribute);
            if (before is not null && !JsonNode.DeepEquals(before, after))
            {
                throw new ScimException(ScimError.MutabilityViolation($"Attribute '{attribute.QualifiedName}' is immutable."));
            }
        }
    }

    /// <summary>The value of a top-level attribute in a canonical resource.</summary>
    public static JsonNode? Locate(JsonObject resource, ResolvedAttribute attribute)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(attribute);
        return attribute.IsExtension
            ? (resource[attribute.Schema.Id] as JsonObject)?[attribute.Attribute.Name]
            : resource[attribute.Attribute.Name];
    }
}
