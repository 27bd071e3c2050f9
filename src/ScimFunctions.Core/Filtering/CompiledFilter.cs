using System.Text.Json.Nodes;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Filtering;

/// <summary>
/// A filter bound to a resource type: every attribute resolved, every operator checked against the attribute's type
/// and every literal converted once. <see cref="Matches"/> evaluates it over a stored resource.
/// </summary>
public sealed class CompiledFilter
{
    private readonly FilterNode _root;

    internal CompiledFilter(FilterExpression expression, ResourceTypeDefinition resourceType, FilterNode root)
    {
        Expression = expression;
        ResourceType = resourceType;
        _root = root;
    }

    public FilterExpression Expression { get; }

    public ResourceTypeDefinition ResourceType { get; }

    /// <summary>True when the resource (in the canonical form the core stores) matches the filter.</summary>
    public bool Matches(JsonObject resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return _root.Evaluate(resource);
    }

    public override string ToString() => Expression.ToString();
}
