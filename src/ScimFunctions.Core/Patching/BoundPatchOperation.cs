using System.Text.Json.Nodes;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Patching;

/// <summary>
/// A PATCH operation resolved against the schema and validated: its target attribute, optional sub-attribute and
/// value filter, and its value already coerced to the target's type. A null <see cref="Value"/> on add/replace has
/// been turned into a remove (null and "" clear an attribute).
/// </summary>
public sealed record BoundPatchOperation
{
    public required PatchOperationType Type { get; init; }

    public required ResolvedAttribute Attribute { get; init; }

    public SchemaAttribute? SubAttribute { get; init; }

    public FilterExpression? Filter { get; init; }

    /// <summary>For add/replace: the coerced value (an array for a whole multi-valued attribute, an element with a filter).</summary>
    public JsonNode? Value { get; init; }

    /// <summary>For Entra's <c>remove members</c> with a value array: the <c>value</c>s of the elements to remove.</summary>
    public IReadOnlySet<string>? ValuesToRemove { get; init; }

    /// <summary>The value filter bound to the sub-attributes, to test elements with.</summary>
    public ElementFilter? ElementFilter { get; init; }

    /// <summary>The target as it would be written as a path, for error details.</summary>
    public string TargetName => SubAttribute is null ? Attribute.QualifiedName : Attribute.QualifiedSubName(SubAttribute);
}
