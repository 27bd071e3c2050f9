using System.Text.Json.Nodes;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>
/// What a sequence of PATCH operations on <c>members</c> does, folded in order: whether the member list is replaced
/// (remove without a filter, replace without a filter, PUT), the members added (with display names), the members
/// removed by id, and value filters to apply to the current members.
/// </summary>
internal sealed record MemberChange(bool ReplaceAll, Dictionary<string, string?> Adds, HashSet<string> Removes)
{
    public List<ElementFilter> Filters { get; } = [];

    public static MemberChange From(IReadOnlyList<BoundPatchOperation> operations)
    {
        var change = new MemberChange(false, new Dictionary<string, string?>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
        var replaceAll = false;
        foreach (var operation in operations)
        {
            if (operation.SubAttribute is not null)
            {
                throw new ScimException(ScimError.MutabilityViolation(
                    $"The sub-attributes of 'members' are immutable; remove the member and add it again."));
            }

            switch (operation.Type)
            {
                case PatchOperationType.Remove when operation.ValuesToRemove is { } ids:
                    RemoveIds(change, ids);
                    break;
                case PatchOperationType.Remove when operation.Filter is not null:
                    if (ValueEqualities(operation.Filter) is { } filtered)
                    {
                        RemoveIds(change, filtered);
                    }
                    else
                    {
                        foreach (var pending in change.Adds.Keys.Where(id => operation.ElementFilter!.Matches(Element(id, change.Adds[id]))).ToList())
                        {
                            change.Adds.Remove(pending);
                        }

                        change.Filters.Add(operation.ElementFilter!);
                    }

                    break;
                case PatchOperationType.Remove:
                    replaceAll = true;
                    change.Adds.Clear();
                    change.Removes.Clear();
                    change.Filters.Clear();
                    break;
                case PatchOperationType.Replace when operation.Filter is null:
                    replaceAll = true;
                    change.Adds.Clear();
                    change.Removes.Clear();
                    change.Filters.Clear();
                    AddAll(change, operation.Value);
                    break;
                case PatchOperationType.Replace:
                    change.Filters.Add(operation.ElementFilter!);
                    AddAll(change, new JsonArray(operation.Value!.DeepClone()));
                    break;
                default:
                    AddAll(change, operation.Value);
                    break;
            }
        }

        return change with { ReplaceAll = replaceAll };
    }

    /// <summary>A member element's id and display name; a member needs a value.</summary>
    public static (string Id, string? Display) Element(JsonObject element)
    {
        if (!JsonValues.TryGetString(element["value"], out var id))
        {
            throw new ScimException(ScimError.InvalidValue("Each member needs a 'value' with the id of a user."));
        }

        return (id, JsonValues.TryGetString(element["display"], out var display) ? display : null);
    }

    private static JsonObject Element(string id, string? display) => new() { ["value"] = id, ["display"] = display };

    private static void AddAll(MemberChange change, JsonNode? value)
    {
        foreach (var element in (value as JsonArray ?? []).OfType<JsonObject>())
        {
            var (id, display) = Element(element);
            change.Removes.Remove(id);
            change.Adds[id] = display;
        }
    }

    private static void RemoveIds(MemberChange change, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            change.Adds.Remove(id);
            change.Removes.Add(id);
        }
    }

    /// <summary><c>value eq "a"</c>, or an <c>or</c> of such, as the ids it selects.</summary>
    private static List<string>? ValueEqualities(FilterExpression filter) => filter switch
    {
        ComparisonExpression { Operator: ComparisonOperator.Equal, Value.Kind: FilterLiteralKind.String, Path.SubAttribute: null } eq
            when eq.Path.Name.Equals("value", StringComparison.OrdinalIgnoreCase) => [eq.Value.Text],
        LogicalExpression { Operator: LogicalOperator.Or } either when ValueEqualities(either.Left) is { } left && ValueEqualities(either.Right) is { } right =>
            [.. left, .. right],
        _ => null,
    };
}
