using System.Globalization;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Filtering;

/// <summary>
/// Binds a parsed filter to a resource type (RFC 7644 §3.4.2.2). Unknown attributes, operators that the attribute's
/// type does not support (ordering on booleans or binary, substring on numbers, dates and booleans) and literals of
/// the wrong type are <c>invalidFilter</c> errors.
/// </summary>
public static class FilterCompiler
{
    public static CompiledFilter Compile(FilterExpression expression, ResourceTypeDefinition resourceType)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(resourceType);
        return new CompiledFilter(expression, resourceType, Bind(expression, resourceType, element: null));
    }

    /// <summary>Parses and compiles a filter in one step.</summary>
    public static CompiledFilter Compile(string filter, ResourceTypeDefinition resourceType, FilterLimits? limits = null) =>
        Compile(FilterParser.Parse(filter, limits), resourceType);

    /// <summary>Binds a value filter whose attribute paths name sub-attributes of <paramref name="element"/>.</summary>
    internal static FilterNode BindElementFilter(FilterExpression expression, ResourceTypeDefinition resourceType, ResolvedAttribute element) =>
        Bind(expression, resourceType, element);

    private static FilterNode Bind(FilterExpression expression, ResourceTypeDefinition resourceType, ResolvedAttribute? element) =>
        expression switch
        {
            LogicalExpression logical => logical.Operator == LogicalOperator.And
                ? new AndNode(Bind(logical.Left, resourceType, element), Bind(logical.Right, resourceType, element))
                : new OrNode(Bind(logical.Left, resourceType, element), Bind(logical.Right, resourceType, element)),
            NotExpression not => new NotNode(Bind(not.Operand, resourceType, element)),
            PresentExpression present => new PresentNode(Locate(present.Path, resourceType, element, forPresence: true)),
            ComparisonExpression comparison => BindComparison(comparison, resourceType, element),
            ValuePathExpression valuePath => BindValuePath(valuePath, resourceType, element),
            _ => throw new ArgumentOutOfRangeException(nameof(expression)),
        };

    private static ValuePathNode BindValuePath(ValuePathExpression valuePath, ResourceTypeDefinition resourceType, ResolvedAttribute? element)
    {
        if (element is not null)
        {
            throw Invalid($"Value filters cannot be nested ('{valuePath.Path}')");
        }

        var resolved = ResolveTop(valuePath.Path, resourceType);
        if (resolved.Attribute.Type != AttributeType.Complex)
        {
            throw Invalid($"'{resolved.QualifiedName}' is not a complex attribute and cannot have a value filter");
        }

        return new ValuePathNode(new AttributeLocator(resolved, null), Bind(valuePath.Filter, resourceType, resolved));
    }

    private static ComparisonNode BindComparison(ComparisonExpression comparison, ResourceTypeDefinition resourceType, ResolvedAttribute? element)
    {
        var locator = Locate(comparison.Path, resourceType, element, forPresence: false);
        var target = locator.Target;
        var name = locator.Name;
        var op = comparison.Operator;
        var literal = IdentityProviderQuirks.CoerceFilterLiteral(comparison.Value, target.Type);

        if (literal.Kind == FilterLiteralKind.Null)
        {
            if (op is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual))
            {
                throw Invalid($"Only 'eq' and 'ne' can compare '{name}' with null");
            }

            return new ComparisonNode(locator, op, null);
        }

        CheckOperator(target.Type, op, name);
        object operand = target.Type switch
        {
            AttributeType.String or AttributeType.Reference or AttributeType.Binary => RequireString(literal, name, op),
            AttributeType.Boolean => RequireBoolean(literal, name),
            AttributeType.Integer or AttributeType.Decimal => RequireNumber(literal, name),
            _ => RequireDateTime(literal, name),
        };
        return new ComparisonNode(locator, op, operand);
    }

    private static AttributeLocator Locate(AttributePath path, ResourceTypeDefinition resourceType, ResolvedAttribute? element, bool forPresence)
    {
        if (element is not null)
        {
            var sub = path.SchemaUri is null && path.SubAttribute is null ? element.Attribute.FindSubAttribute(path.Name) : null;
            if (sub is null)
            {
                throw Invalid($"'{path}' is not a sub-attribute of '{element.QualifiedName}'");
            }

            return new AttributeLocator(null, sub);
        }

        var resolved = ResolveTop(path, resourceType);
        if (path.SubAttribute is null)
        {
            // "emails eq x" and "manager eq x" compare the "value" sub-attribute of a complex attribute.
            var valueSub = !forPresence && resolved.Attribute.Type == AttributeType.Complex
                ? resolved.Attribute.FindSubAttribute("value")
                : null;
            return new AttributeLocator(resolved, valueSub);
        }

        var subAttribute = resolved.Attribute.FindSubAttribute(path.SubAttribute)
            ?? throw Invalid($"'{path}' is not an attribute of {resourceType.Name}");
        return new AttributeLocator(resolved, subAttribute);
    }

    private static ResolvedAttribute ResolveTop(AttributePath path, ResourceTypeDefinition resourceType) =>
        resourceType.Resolve(path.SchemaUri, path.Name)
        ?? throw Invalid($"'{path}' is not an attribute of {resourceType.Name}");

    private static string RequireString(FilterLiteral literal, string name, ComparisonOperator op) =>
        literal.Kind == FilterLiteralKind.String
            ? literal.Text
            : throw Invalid($"'{name} {op.ToKeyword()}' needs a string value");

    private static bool RequireBoolean(FilterLiteral literal, string name) =>
        literal.Kind == FilterLiteralKind.Boolean
            ? literal.AsBoolean
            : throw Invalid($"'{name}' is a boolean; compare it with true or false");

    private static decimal RequireNumber(FilterLiteral literal, string name) =>
        literal.Kind == FilterLiteralKind.Number
        && decimal.TryParse(literal.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw Invalid($"'{name}' is a number; compare it with a number");

    private static DateTimeOffset RequireDateTime(FilterLiteral literal, string name) =>
        literal.Kind == FilterLiteralKind.String && ScimDateTime.TryParse(literal.Text, out var value)
            ? value
            : throw Invalid($"'{name}' is a dateTime; compare it with an xsd:dateTime string such as \"2026-01-31T12:00:00Z\"");

    /// <summary>Which operators each type supports (RFC 7644 §3.4.2.2).</summary>
    private static void CheckOperator(AttributeType type, ComparisonOperator op, string name)
    {
        var substring = op is ComparisonOperator.Contains or ComparisonOperator.StartsWith or ComparisonOperator.EndsWith;
        var ordering = op is ComparisonOperator.GreaterThan or ComparisonOperator.GreaterThanOrEqual
            or ComparisonOperator.LessThan or ComparisonOperator.LessThanOrEqual;
        switch (type)
        {
            case AttributeType.Complex:
                throw Invalid($"'{name}' is complex; compare one of its sub-attributes instead");
            case AttributeType.Boolean when substring || ordering:
                throw Invalid($"'{op.ToKeyword()}' cannot be used with '{name}'; use 'eq' or 'ne'");
            case AttributeType.Integer or AttributeType.Decimal or AttributeType.DateTime when substring:
                throw Invalid($"'{op.ToKeyword()}' cannot be used with '{name}'; it is not a string");
            case AttributeType.Binary when ordering:
                throw Invalid($"'{op.ToKeyword()}' cannot be used with '{name}'; binary values have no order");
        }
    }

    private static ScimException Invalid(string detail) => new(ScimError.InvalidFilter(detail + "."));
}
