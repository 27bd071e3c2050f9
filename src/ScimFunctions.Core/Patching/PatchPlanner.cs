using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Patching;

/// <summary>
/// Binds every operation of a PATCH request to the schema before anything is applied (RFC 7644 §3.5.2): paths are
/// parsed and resolved (<c>invalidPath</c>, also for the value filter inside a path), mutability is checked (<c>mutability</c>),
/// remove without a path is <c>noTarget</c>, values are coerced (<c>invalidValue</c>). Path-less add/replace is
/// expanded into one operation per attribute; read-only attributes in a path-less value are ignored.
/// </summary>
public static class PatchPlanner
{
    public static IReadOnlyList<BoundPatchOperation> Plan(PatchRequest request, ResourceTypeDefinition resourceType)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(resourceType);
        var bound = new List<BoundPatchOperation>(request.Operations.Count);
        foreach (var operation in request.Operations)
        {
            if (operation.Path is null)
            {
                BindPathless(operation, resourceType, bound);
                continue;
            }

            var syntax = FilterParser.ParsePath(operation.Path);
            var extension = WholeExtension(syntax, resourceType);
            if (extension is not null)
            {
                BindExtension(operation, extension, resourceType, bound);
                continue;
            }

            Bind(operation.Type, syntax, operation.Value, operation.HasValue, resourceType, bound, pathless: false);
        }

        return bound;
    }

    private static void BindPathless(PatchOperation operation, ResourceTypeDefinition resourceType, List<BoundPatchOperation> bound)
    {
        if (operation.Type == PatchOperationType.Remove)
        {
            throw new ScimException(ScimError.NoTarget("A remove operation needs a path."));
        }

        if (operation.Value is not JsonObject values)
        {
            throw new ScimException(ScimError.InvalidValue(
                $"An {Name(operation.Type)} operation without a path needs an object value whose members are attributes."));
        }

        foreach (var (key, value) in values)
        {
            if (key.Equals(CommonAttributeDefinitions.Schemas, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var schema = resourceType.FindSchema(key);
            if (schema is not null && resourceType.IsExtension(schema))
            {
                BindExtension(operation with { Value = value }, schema, resourceType, bound);
                continue;
            }

            // Keys may be paths themselves: "name.givenName", "urn:…:enterprise:2.0:User:employeeNumber" (Entra ID).
            PatchPathSyntax syntax;
            try
            {
                syntax = FilterParser.ParsePath(key);
            }
            catch (FilterParseException)
            {
                continue;
            }

            Bind(operation.Type, syntax, value, hasValue: true, resourceType, bound, pathless: true);
        }
    }

    private static void BindExtension(
        PatchOperation operation,
        ScimSchema extension,
        ResourceTypeDefinition resourceType,
        List<BoundPatchOperation> bound)
    {
        if (operation.Type == PatchOperationType.Remove)
        {
            foreach (var attribute in extension.Attributes)
            {
                Bind(PatchOperationType.Remove, new PatchPathSyntax(new AttributePath(extension.Id, attribute.Name, null), null, null),
                    null, hasValue: false, resourceType, bound, pathless: true);
            }

            return;
        }

        if (operation.Value is not JsonObject values)
        {
            throw new ScimException(ScimError.InvalidValue($"The value for '{extension.Id}' must be an object."));
        }

        foreach (var (key, value) in values)
        {
            PatchPathSyntax syntax;
            try
            {
                syntax = FilterParser.ParsePath($"{extension.Id}:{key}");
            }
            catch (FilterParseException)
            {
                continue;
            }

            Bind(operation.Type, syntax, value, hasValue: true, resourceType, bound, pathless: true);
        }
    }

    private static void Bind(
        PatchOperationType type,
        PatchPathSyntax syntax,
        JsonNode? value,
        bool hasValue,
        ResourceTypeDefinition resourceType,
        List<BoundPatchOperation> bound,
        bool pathless)
    {
        var attribute = resourceType.Resolve(syntax.Attribute.SchemaUri, syntax.Attribute.Name);
        if (attribute is null)
        {
            if (pathless)
            {
                return;
            }

            throw new ScimException(ScimError.InvalidPath($"'{syntax.Attribute}' is not an attribute of {resourceType.Name}."));
        }

        var subName = syntax.Attribute.SubAttribute ?? syntax.SubAttribute;
        SchemaAttribute? sub = null;
        if (subName is not null)
        {
            sub = attribute.Attribute.FindSubAttribute(subName)
                ?? throw new ScimException(ScimError.InvalidPath($"'{subName}' is not a sub-attribute of '{attribute.QualifiedName}'."));
        }

        ElementFilter? filter = null;
        if (syntax.ValueFilter is not null)
        {
            if (attribute.Attribute.Type != AttributeType.Complex)
            {
                throw new ScimException(ScimError.InvalidPath($"'{attribute.QualifiedName}' is not complex and cannot have a value filter."));
            }

            try
            {
                filter = ElementFilter.Compile(syntax.ValueFilter, resourceType, attribute);
            }
            catch (ScimException e) when (e.Error.ScimType == ScimErrorType.InvalidFilter)
            {
                // In a PATCH path the value filter is part of the path (RFC 7644 §3.12).
                throw new ScimException(ScimError.InvalidPath(e.Error.Detail));
            }
        }

        var target = sub ?? attribute.Attribute;
        var targetName = sub is null ? attribute.QualifiedName : attribute.QualifiedSubName(sub);
        if (attribute.Attribute.Mutability == Mutability.ReadOnly || target.Mutability == Mutability.ReadOnly)
        {
            if (pathless)
            {
                return;
            }

            throw new ScimException(ScimError.MutabilityViolation($"Attribute '{targetName}' is read-only."));
        }

        if (IdentityProviderQuirks.IsDiscardedOnWrite(target))
        {
            return;
        }

        var operation = new BoundPatchOperation
        {
            Type = type,
            Attribute = attribute,
            SubAttribute = sub,
            Filter = syntax.ValueFilter,
            ElementFilter = filter,
        };

        if (type == PatchOperationType.Remove)
        {
            bound.Add(BindRemove(operation, value, hasValue));
            return;
        }

        if (!hasValue)
        {
            throw new ScimException(ScimError.InvalidValue($"The {Name(type)} operation on '{targetName}' needs a value."));
        }

        var coerced = CoerceValue(operation, value);
        if (coerced is null)
        {
            // null, "" and [] clear the attribute (Entra's "Null_Update" check sends both).
            bound.Add(BindRemove(operation with { Type = PatchOperationType.Remove }, null, hasValue: false));
            return;
        }

        bound.Add(operation with { Value = coerced });
    }

    private static BoundPatchOperation BindRemove(BoundPatchOperation operation, JsonNode? value, bool hasValue)
    {
        var whole = operation.SubAttribute is null && operation.Filter is null;
        if (whole && operation.Attribute.Attribute.Required)
        {
            throw new ScimException(ScimError.MutabilityViolation($"Attribute '{operation.TargetName}' is required and cannot be removed."));
        }

        if (operation.SubAttribute is { Required: true })
        {
            throw new ScimException(ScimError.MutabilityViolation($"Attribute '{operation.TargetName}' is required and cannot be removed."));
        }

        if (whole && hasValue && value is not null && value.GetValueKind() != JsonValueKind.Null)
        {
            var values = IdentityProviderQuirks.GetValuesToRemove(operation.Attribute, value);
            if (values is not null)
            {
                var comparer = operation.Attribute.Attribute.FindSubAttribute("value")!.CaseExact ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;
                return operation with { ValuesToRemove = values.ToHashSet(comparer) };
            }
        }

        return operation;
    }

    private static JsonNode? CoerceValue(BoundPatchOperation operation, JsonNode? value)
    {
        var attribute = operation.Attribute;
        if (operation.SubAttribute is { } sub)
        {
            return ValueCoercer.Coerce(sub, value, operation.TargetName, asElement: false);
        }

        if (operation.Filter is not null && attribute.Attribute.MultiValued)
        {
            // The value replaces or extends the selected elements: one element, possibly sent as a one-element array.
            if (value is JsonArray { Count: 1 } single)
            {
                value = single[0];
            }

            return ValueCoercer.Coerce(attribute.Attribute, value, attribute.QualifiedName, asElement: true);
        }

        return ValueCoercer.CoerceAttribute(attribute, value);
    }

    /// <summary>A path that names a whole extension schema: <c>urn:…:enterprise:2.0:User</c>.</summary>
    private static ScimSchema? WholeExtension(PatchPathSyntax syntax, ResourceTypeDefinition resourceType)
    {
        if (syntax.ValueFilter is not null || syntax.Attribute.SchemaUri is null || syntax.Attribute.SubAttribute is not null)
        {
            return null;
        }

        var schema = resourceType.FindSchema($"{syntax.Attribute.SchemaUri}:{syntax.Attribute.Name}");
        return schema is not null && resourceType.IsExtension(schema) ? schema : null;
    }

    private static string Name(PatchOperationType type) => type switch
    {
        PatchOperationType.Add => "add",
        PatchOperationType.Replace => "replace",
        PatchOperationType.Remove => "remove",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
