using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Application.Provisioning;

/// <summary>Which index answers a filter condition.</summary>
internal enum IndexKind
{
    Id,
    UserName,
    UserExternalId,
    Email,
    GroupName,
    GroupExternalId,
    Member,
}

internal readonly record struct IndexLookup(IndexKind Kind, string Value);

/// <summary>
/// Finds the index reads that return every resource a filter can match: <c>eq</c> on id, userName, externalId and
/// email values for users; on id, displayName, externalId and member values for groups. <c>and</c> needs one
/// indexed side, <c>or</c> needs both. Null means no index applies and the organization's resources are scanned.
/// The candidates are always checked against the whole filter afterwards.
/// </summary>
internal static class IndexPlanner
{
    public static IReadOnlyList<IndexLookup>? Plan(FilterExpression expression, ResourceTypeDefinition resourceType) => expression switch
    {
        LogicalExpression { Operator: LogicalOperator.And } and =>
            Plan(and.Left, resourceType) ?? Plan(and.Right, resourceType),
        LogicalExpression { Operator: LogicalOperator.Or } or =>
            Plan(or.Left, resourceType) is { } left && Plan(or.Right, resourceType) is { } right ? [.. left, .. right] : null,
        ComparisonExpression { Operator: ComparisonOperator.Equal, Value.Kind: FilterLiteralKind.String } eq =>
            Lookup(resourceType, eq.Path.SchemaUri, eq.Path.Name, eq.Path.SubAttribute, eq.Value.Text) is { } lookup ? [lookup] : null,
        ValuePathExpression valuePath => PlanValuePath(valuePath, resourceType),
        _ => null,
    };

    private static IReadOnlyList<IndexLookup>? PlanValuePath(ValuePathExpression valuePath, ResourceTypeDefinition resourceType)
    {
        var value = FindValueEquality(valuePath.Filter);
        return value is null
            ? null
            : Lookup(resourceType, valuePath.Path.SchemaUri, valuePath.Path.Name, "value", value) is { } lookup ? [lookup] : null;
    }

    /// <summary><c>value eq "x"</c> as the filter or one of its <c>and</c> operands.</summary>
    private static string? FindValueEquality(FilterExpression filter) => filter switch
    {
        ComparisonExpression { Operator: ComparisonOperator.Equal, Value.Kind: FilterLiteralKind.String } eq
            when eq.Path.Name.Equals("value", StringComparison.OrdinalIgnoreCase) && eq.Path.SubAttribute is null => eq.Value.Text,
        LogicalExpression { Operator: LogicalOperator.And } and => FindValueEquality(and.Left) ?? FindValueEquality(and.Right),
        _ => null,
    };

    private static IndexLookup? Lookup(ResourceTypeDefinition resourceType, string? schemaUri, string name, string? sub, string value)
    {
        var attribute = resourceType.Resolve(schemaUri, name);
        if (attribute is null || attribute.IsExtension)
        {
            return null;
        }

        var isValue = sub is null || sub.Equals("value", StringComparison.OrdinalIgnoreCase);
        var attributeName = attribute.Attribute.Name;
        var isUser = ReferenceEquals(resourceType.CoreSchema, BuiltInSchemas.User);
        return (attributeName, sub is null, isUser) switch
        {
            (CommonAttributeDefinitions.Id, true, _) => new IndexLookup(IndexKind.Id, value),
            ("userName", true, true) => new IndexLookup(IndexKind.UserName, value),
            (CommonAttributeDefinitions.ExternalId, true, true) => new IndexLookup(IndexKind.UserExternalId, value),
            ("emails", _, true) when isValue => new IndexLookup(IndexKind.Email, value),
            ("displayName", true, false) => new IndexLookup(IndexKind.GroupName, value),
            (CommonAttributeDefinitions.ExternalId, true, false) => new IndexLookup(IndexKind.GroupExternalId, value),
            ("members", _, false) when isValue => new IndexLookup(IndexKind.Member, value),
            _ => null,
        };
    }
}
