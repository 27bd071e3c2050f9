using System.Text.Json.Nodes;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Filtering;

/// <summary>A value filter bound to the sub-attributes of a complex attribute, tested against single elements.</summary>
public sealed class ElementFilter
{
    private readonly FilterNode _node;

    private ElementFilter(FilterExpression expression, FilterNode node)
    {
        Expression = expression;
        _node = node;
    }

    public FilterExpression Expression { get; }

    public static ElementFilter Compile(FilterExpression expression, ResourceTypeDefinition resourceType, ResolvedAttribute attribute) =>
        new(expression, FilterCompiler.BindElementFilter(expression, resourceType, attribute));

    public bool Matches(JsonObject element) => _node.Evaluate(element);
}
