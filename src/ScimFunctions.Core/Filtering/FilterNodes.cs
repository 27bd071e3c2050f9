using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Filtering;

/// <summary>
/// Where a filter's attribute lives. At the top level <see cref="Top"/> is the resolved attribute and
/// <see cref="Sub"/> an optional sub-attribute; inside a value filter <see cref="Top"/> is null and
/// <see cref="Sub"/> names a sub-attribute of the element being tested.
/// </summary>
internal sealed record AttributeLocator(ResolvedAttribute? Top, SchemaAttribute? Sub)
{
    /// <summary>The attribute whose values are compared.</summary>
    public SchemaAttribute Target => Sub ?? Top!.Attribute;

    public string Name => Top is null ? Sub!.Name : Sub is null ? Top.QualifiedName : Top.QualifiedSubName(Sub);

    /// <summary>The node of the top-level attribute in a resource, or of the sub-attribute in an element.</summary>
    public JsonNode? GetNode(JsonObject context)
    {
        if (Top is null)
        {
            return context[Sub!.Name];
        }

        return Top.IsExtension
            ? (context[Top.Schema.Id] as JsonObject)?[Top.Attribute.Name]
            : context[Top.Attribute.Name];
    }

    /// <summary>True when <paramref name="predicate"/> holds for one of the attribute's values (any-element match).</summary>
    public bool AnyValue<TState>(JsonObject context, TState state, Func<JsonNode, TState, bool> predicate)
    {
        var node = GetNode(context);
        if (node is null)
        {
            return false;
        }

        if (Top is null || Sub is null)
        {
            return AnyOf(node, state, predicate);
        }

        // A sub-attribute of a complex attribute: of each element when it is multi-valued.
        if (node is JsonArray elements)
        {
            foreach (var element in elements)
            {
                if (element is JsonObject item && item[Sub.Name] is { } value && AnyOf(value, state, predicate))
                {
                    return true;
                }
            }

            return false;
        }

        return node is JsonObject single && single[Sub.Name] is { } subValue && AnyOf(subValue, state, predicate);
    }

    private static bool AnyOf<TState>(JsonNode node, TState state, Func<JsonNode, TState, bool> predicate)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is not null && predicate(item, state))
                {
                    return true;
                }
            }

            return false;
        }

        return predicate(node, state);
    }
}

internal abstract class FilterNode
{
    public abstract bool Evaluate(JsonObject context);
}

internal sealed class AndNode(FilterNode left, FilterNode right) : FilterNode
{
    public override bool Evaluate(JsonObject context) => left.Evaluate(context) && right.Evaluate(context);
}

internal sealed class OrNode(FilterNode left, FilterNode right) : FilterNode
{
    public override bool Evaluate(JsonObject context) => left.Evaluate(context) || right.Evaluate(context);
}

internal sealed class NotNode(FilterNode operand) : FilterNode
{
    public override bool Evaluate(JsonObject context) => !operand.Evaluate(context);
}

/// <summary><c>pr</c>: the attribute has a value that is not null, not an empty string, array or object.</summary>
internal sealed class PresentNode(AttributeLocator locator) : FilterNode
{
    public override bool Evaluate(JsonObject context) => locator.AnyValue(context, 0, static (node, _) => JsonValues.HasValue(node));
}

/// <summary>A value path: one element of the complex attribute satisfies the inner filter.</summary>
internal sealed class ValuePathNode(AttributeLocator locator, FilterNode inner) : FilterNode
{
    public override bool Evaluate(JsonObject context) =>
        locator.GetNode(context) switch
        {
            JsonArray elements => elements.Any(e => e is JsonObject element && inner.Evaluate(element)),
            JsonObject single => inner.Evaluate(single),
            _ => false,
        };
}

internal sealed class ComparisonNode(AttributeLocator locator, ComparisonOperator op, object? operand) : FilterNode
{
    private readonly StringComparison _comparison =
        locator.Target.CaseExact || locator.Target.Type == AttributeType.Binary ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    public override bool Evaluate(JsonObject context)
    {
        if (operand is null)
        {
            var present = locator.AnyValue(context, 0, static (node, _) => JsonValues.HasValue(node));
            return op == ComparisonOperator.Equal ? !present : present;
        }

        if (op == ComparisonOperator.NotEqual)
        {
            return !locator.AnyValue(context, this, static (node, self) => self.Compare(node, ComparisonOperator.Equal));
        }

        return locator.AnyValue(context, this, static (node, self) => self.Compare(node, self.Operator));
    }

    private ComparisonOperator Operator => op;

    private bool Compare(JsonNode node, ComparisonOperator comparison) => operand switch
    {
        string text => CompareString(node, text, comparison),
        bool flag => JsonValues.TryGetBoolean(node, out var value) && value == flag,
        decimal number => JsonValues.TryGetDecimal(node, out var value) && Ordered(value.CompareTo(number), comparison),
        DateTimeOffset instant => node.GetValueKind() == JsonValueKind.String
            && ScimDateTime.TryParse(node.GetValue<string>(), out var value)
            && Ordered(value.CompareTo(instant), comparison),
        _ => false,
    };

    private bool CompareString(JsonNode node, string operandText, ComparisonOperator comparison)
    {
        if (node.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }

        var value = node.GetValue<string>();
        return comparison switch
        {
            ComparisonOperator.Equal => string.Equals(value, operandText, _comparison),
            ComparisonOperator.Contains => value.Contains(operandText, _comparison),
            ComparisonOperator.StartsWith => value.StartsWith(operandText, _comparison),
            ComparisonOperator.EndsWith => value.EndsWith(operandText, _comparison),
            _ => Ordered(string.Compare(value, operandText, _comparison), comparison),
        };
    }

    private static bool Ordered(int order, ComparisonOperator comparison) => comparison switch
    {
        ComparisonOperator.Equal => order == 0,
        ComparisonOperator.GreaterThan => order > 0,
        ComparisonOperator.GreaterThanOrEqual => order >= 0,
        ComparisonOperator.LessThan => order < 0,
        ComparisonOperator.LessThanOrEqual => order <= 0,
        _ => false,
    };
}
