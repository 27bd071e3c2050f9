using System.Text.Json.Nodes;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Patching;

/// <summary>The result of a PATCH: the patched copy and whether it differs from the original.</summary>
public sealed record PatchOutcome(JsonObject Resource, bool Modified);

/// <summary>
/// Applies a PATCH request (RFC 7644 §3.5.2) all or nothing: every operation is parsed and validated first, then
/// applied in order to a copy of the resource, and the copy is checked as a whole. The original is never changed;
/// any error leaves the caller with nothing to write.
/// </summary>
public static class PatchEngine
{
    public static PatchOutcome Apply(JsonObject resource, PatchRequest request, ResourceTypeDefinition resourceType) =>
        Apply(resource, PatchPlanner.Plan(request, resourceType), resourceType);

    public static PatchOutcome Apply(JsonObject resource, IReadOnlyList<BoundPatchOperation> operations, ResourceTypeDefinition resourceType)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(resourceType);

        var copy = (JsonObject)resource.DeepClone();
        foreach (var operation in operations)
        {
            ApplyOne(copy, operation);
        }

        UpdateSchemas(copy, resourceType);
        ResourceRules.CheckRequired(copy, resourceType);
        return new PatchOutcome(copy, !JsonNode.DeepEquals(resource, copy));
    }

    private static void ApplyOne(JsonObject resource, BoundPatchOperation operation)
    {
        var attribute = operation.Attribute;
        var container = Container(resource, attribute, create: operation.Type != PatchOperationType.Remove);
        if (container is null)
        {
            return;
        }

        var name = attribute.Attribute.Name;
        if (operation.ElementFilter is not null)
        {
            ApplyFiltered(container, operation);
        }
        else if (operation.SubAttribute is not null)
        {
            ApplySubAttribute(container, operation);
        }
        else
        {
            ApplyWhole(container, operation);
        }

        if (!JsonValues.HasValue(container[name]))
        {
            container.Remove(name);
        }

        if (attribute.IsExtension && container.Count == 0)
        {
            resource.Remove(attribute.Schema.Id);
        }
    }

    private static void ApplyWhole(JsonObject container, BoundPatchOperation operation)
    {
        var attribute = operation.Attribute.Attribute;
        var name = attribute.Name;
        var current = container[name];
        switch (operation.Type)
        {
            case PatchOperationType.Remove when operation.ValuesToRemove is { } ids:
                if (current is JsonArray members)
                {
                    RemoveWhere(members, e => e is JsonObject o && JsonValues.TryGetString(o["value"], out var id) && ids.Contains(id));
                }

                break;

            case PatchOperationType.Remove:
                container.Remove(name);
                break;

            case PatchOperationType.Add when attribute.MultiValued:
                var array = current as JsonArray ?? [];
                if (current is null)
                {
                    container[name] = array;
                }

                foreach (var element in (JsonArray)operation.Value!)
                {
                    AddElement(array, attribute, element!.DeepClone());
                }

                break;

            case PatchOperationType.Replace when attribute.MultiValued:
                container[name] = operation.Value!.DeepClone();
                break;

            case PatchOperationType.Add or PatchOperationType.Replace when attribute.Type == AttributeType.Complex:
                // Complex: the given sub-attributes replace or add; the others are left as they are (RFC 7644 §3.5.2.3).
                if (current is not JsonObject target)
                {
                    target = [];
                    container[name] = target;
                }

                foreach (var (subName, subValue) in (JsonObject)operation.Value!)
                {
                    SetSubAttribute(target, attribute.FindSubAttribute(subName)!, subValue!.DeepClone(), operation);
                }

                break;

            default:
                CheckImmutable(attribute, current, operation.Value, operation);
                container[name] = operation.Value!.DeepClone();
                break;
        }
    }

    private static void ApplySubAttribute(JsonObject container, BoundPatchOperation operation)
    {
        var attribute = operation.Attribute.Attribute;
        var sub = operation.SubAttribute!;
        var current = container[attribute.Name];
        if (operation.Type == PatchOperationType.Remove)
        {
            foreach (var element in Elements(current))
            {
                element.Remove(sub.Name);
            }

            if (current is JsonArray array)
            {
                RemoveWhere(array, e => !JsonValues.HasValue(e));
            }

            return;
        }

        if (attribute.MultiValued)
        {
            var array = current as JsonArray;
            if (array is null || array.Count == 0)
            {
                // The attribute has no value: the operation adds one element with that sub-attribute.
                array ??= [];
                container[attribute.Name] = array;
                array.Add(new JsonObject { [sub.Name] = operation.Value!.DeepClone() });
                return;
            }

            foreach (var element in Elements(array))
            {
                SetSubAttribute(element, sub, operation.Value!.DeepClone(), operation);
            }

            NormalizePrimary(array, attribute, Elements(array).ToList(), operation);
            return;
        }

        if (current is not JsonObject target)
        {
            target = [];
            container[attribute.Name] = target;
        }

        SetSubAttribute(target, sub, operation.Value!.DeepClone(), operation);
    }

    private static void ApplyFiltered(JsonObject container, BoundPatchOperation operation)
    {
        var attribute = operation.Attribute.Attribute;
        var current = container[attribute.Name];
        var matches = Elements(current).Where(operation.ElementFilter!.Matches).ToList();

        if (operation.Type == PatchOperationType.Remove)
        {
            if (operation.SubAttribute is null)
            {
                if (current is JsonArray array)
                {
                    RemoveWhere(array, e => e is JsonObject o && matches.Contains(o));
                }
                else if (matches.Count > 0)
                {
                    container.Remove(attribute.Name);
                }
            }
            else
            {
                foreach (var element in matches)
                {
                    element.Remove(operation.SubAttribute.Name);
                }

                if (current is JsonArray array)
                {
                    RemoveWhere(array, e => !JsonValues.HasValue(e));
                }
            }

            return;
        }

        if (matches.Count == 0)
        {
            matches = [CreateFromFilter(container, operation)];
        }
        else if (operation.SubAttribute is not null)
        {
            foreach (var element in matches)
            {
                SetSubAttribute(element, operation.SubAttribute, operation.Value!.DeepClone(), operation);
            }
        }
        else if (operation.Type == PatchOperationType.Replace && current is JsonArray array)
        {
            // The matching values are replaced (RFC 7644 §3.5.2.3).
            var replaced = new List<JsonObject>(matches.Count);
            foreach (var element in matches)
            {
                CheckImmutableSubAttributes(attribute, element, (JsonObject)operation.Value!, operation);
                var replacement = (JsonObject)operation.Value!.DeepClone();
                array[array.IndexOf(element)] = replacement;
                replaced.Add(replacement);
            }

            matches = replaced;
        }
        else
        {
            foreach (var element in matches)
            {
                foreach (var (subName, subValue) in (JsonObject)operation.Value!)
                {
                    SetSubAttribute(element, attribute.FindSubAttribute(subName)!, subValue!.DeepClone(), operation);
                }
            }
        }

        if (container[attribute.Name] is JsonArray result)
        {
            NormalizePrimary(result, attribute, matches, operation);
        }
    }

    /// <summary>
    /// add/replace on a filtered path that matches nothing. RFC 7644 §3.5.2.3 makes a replace <c>noTarget</c>; Entra ID
    /// expects <c>emails[type eq "work"].value</c> to create the work email, so an element is built from the filter
    /// where <see cref="IdentityProviderQuirks.CreateElementFromFilter"/> allows it.
    /// </summary>
    private static JsonObject CreateFromFilter(JsonObject container, BoundPatchOperation operation)
    {
        var attribute = operation.Attribute.Attribute;
        var element = IdentityProviderQuirks.CreateElementFromFilter(operation.Type, attribute, operation.Filter!)
            ?? throw new ScimException(ScimError.NoTarget($"No value of '{operation.Attribute.QualifiedName}' matches '{operation.Filter}'."));

        if (operation.SubAttribute is not null)
        {
            element[operation.SubAttribute.Name] = operation.Value!.DeepClone();
        }
        else
        {
            foreach (var (subName, subValue) in (JsonObject)operation.Value!)
            {
                element[subName] = subValue!.DeepClone();
            }
        }

        var coerced = ValueCoercer.Coerce(attribute, element, operation.Attribute.QualifiedName, asElement: true) as JsonObject
            ?? throw new ScimException(ScimError.NoTarget($"No value of '{operation.Attribute.QualifiedName}' matches '{operation.Filter}'."));

        if (attribute.MultiValued)
        {
            if (container[attribute.Name] is not JsonArray array)
            {
                array = [];
                container[attribute.Name] = array;
            }

            array.Add(coerced);
        }
        else
        {
            container[attribute.Name] = coerced;
        }

        return coerced;
    }

    private static void SetSubAttribute(JsonObject element, SchemaAttribute sub, JsonNode value, BoundPatchOperation operation)
    {
        CheckImmutable(sub, element[sub.Name], value, operation);
        element[sub.Name] = value;
    }

    /// <summary>Adds an element to a multi-valued attribute unless it is already there (RFC 7644 §3.5.2.1).</summary>
    private static void AddElement(JsonArray array, SchemaAttribute attribute, JsonNode element)
    {
        // When "value" is immutable (group members) it is the element's identity: the same member is not added twice.
        var identity = attribute.FindSubAttribute("value") is { Mutability: Mutability.Immutable } value ? value : null;
        foreach (var existing in array)
        {
            if (JsonNode.DeepEquals(existing, element))
            {
                return;
            }

            if (identity is not null && existing is JsonObject current && element is JsonObject added
                && JsonValues.TryGetString(current["value"], out var a) && JsonValues.TryGetString(added["value"], out var b)
                && string.Equals(a, b, identity.CaseExact ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        array.Add(element);
        if (element is JsonObject obj)
        {
            NormalizePrimary(array, attribute, [obj], null);
        }
    }

    /// <summary>
    /// At most one value is primary (RFC 7643 §2.4). When an operation makes a value primary, the others stop being
    /// primary (RFC 7644 §3.5.2); two new primary values in one operation are an error.
    /// </summary>
    private static void NormalizePrimary(JsonArray array, SchemaAttribute attribute, IReadOnlyList<JsonObject> changed, BoundPatchOperation? operation)
    {
        if (attribute.FindSubAttribute("primary") is null)
        {
            return;
        }

        var newPrimaries = changed.Where(IsPrimary).ToList();
        if (newPrimaries.Count > 1)
        {
            throw new ScimException(ScimError.InvalidValue(
                $"At most one value of '{operation?.Attribute.QualifiedName ?? attribute.Name}' can be primary."));
        }

        var keep = newPrimaries.Count == 1 ? newPrimaries[0] : Elements(array).FirstOrDefault(IsPrimary);
        foreach (var element in Elements(array))
        {
            if (!ReferenceEquals(element, keep) && IsPrimary(element))
            {
                element["primary"] = false;
            }
        }

        static bool IsPrimary(JsonObject element) => JsonValues.TryGetBoolean(element["primary"], out var primary) && primary;
    }

    private static void CheckImmutable(SchemaAttribute attribute, JsonNode? current, JsonNode? value, BoundPatchOperation operation)
    {
        if (attribute.Mutability == Mutability.Immutable && current is not null && !JsonNode.DeepEquals(current, value))
        {
            throw new ScimException(ScimError.MutabilityViolation($"Attribute '{operation.TargetName}' is immutable."));
        }
    }

    private static void CheckImmutableSubAttributes(SchemaAttribute attribute, JsonObject current, JsonObject replacement, BoundPatchOperation operation)
    {
        foreach (var sub in attribute.SubAttributes)
        {
            if (sub.Mutability == Mutability.Immutable && current[sub.Name] is { } before && !JsonNode.DeepEquals(before, replacement[sub.Name]))
            {
                throw new ScimException(ScimError.MutabilityViolation($"Attribute '{operation.Attribute.QualifiedSubName(sub)}' is immutable."));
            }
        }
    }

    private static JsonObject? Container(JsonObject resource, ResolvedAttribute attribute, bool create)
    {
        if (!attribute.IsExtension)
        {
            return resource;
        }

        if (resource[attribute.Schema.Id] is JsonObject extension)
        {
            return extension;
        }

        if (!create)
        {
            return null;
        }

        extension = [];
        resource[attribute.Schema.Id] = extension;
        return extension;
    }

    private static IEnumerable<JsonObject> Elements(JsonNode? node) => node switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject single => [single],
        _ => [],
    };

    private static void RemoveWhere(JsonArray array, Func<JsonNode?, bool> predicate)
    {
        for (var i = array.Count - 1; i >= 0; i--)
        {
            if (predicate(array[i]))
            {
                array.RemoveAt(i);
            }
        }
    }

    /// <summary><c>schemas</c> lists the core schema and exactly the extensions that have values.</summary>
    internal static void UpdateSchemas(JsonObject resource, ResourceTypeDefinition resourceType)
    {
        var schemas = new JsonArray(resourceType.CoreSchema.Id);
        foreach (var extension in resourceType.Extensions)
        {
            if (resource[extension.Schema.Id] is JsonObject values && values.Count > 0)
            {
                schemas.Add(extension.Schema.Id);
            }
        }

        resource[CommonAttributeDefinitions.Schemas] = schemas;
    }
}
