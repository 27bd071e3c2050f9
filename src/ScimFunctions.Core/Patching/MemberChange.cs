using System.Text.Json.Nodes;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Patching;

/// <summary>A group member: the user's id and its display name.</summary>
public sealed record Member(string Id, string? Display);

/// <summary>The members a change adds (with display names) and removes, for the group as it is.</summary>
public sealed record MemberDiff(IReadOnlyList<Member> Adds, IReadOnlyList<string> Removes)
{
    public bool IsEmpty => Adds.Count == 0 && Removes.Count == 0;
}

/// <summary>
/// The one semantics of a change of a group's <c>members</c> (PATCH operations folded in order, or a PUT), used by the
/// service, which stores members as rows and cannot afford to load them all for every change, and by the PATCH
/// fixtures, which hold them in the document: whether the member list is replaced (remove without a filter, replace
/// without a filter, PUT), the members added, the members removed by id, and value filters to apply to the current
/// members.
/// </summary>
public sealed record MemberChange(bool ReplaceAll, Dictionary<string, string?> Adds, HashSet<string> Removes)
{
    public const string Attribute = "members";

    public List<ElementFilter> Filters { get; } = [];

    /// <summary>Whether <see cref="Diff"/> needs every current member, or only whether the ids to remove are members.</summary>
    public bool NeedsCurrentMembers => ReplaceAll || Filters.Count > 0;

    /// <summary>A PUT: the members become exactly these.</summary>
    public static MemberChange ReplaceWith(IEnumerable<Member> members) =>
        new(true, members.DistinctBy(m => m.Id, StringComparer.Ordinal).ToDictionary(m => m.Id, m => m.Display, StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));

    /// <summary>Splits a group PATCH into the operations on <c>members</c> (this change) and the others (the document's).</summary>
    public static (MemberChange Members, IReadOnlyList<BoundPatchOperation> Others) Split(IReadOnlyList<BoundPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var members = operations.Where(IsMemberOperation).ToList();
        return (From(members), [.. operations.Where(o => !IsMemberOperation(o))]);
    }

    /// <summary>The ids whose presence <see cref="Diff"/> needs when it does not need every member.</summary>
    public IEnumerable<string> IdsToLookUp => Removes.Concat(Adds.Keys).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The members to add and to remove for a group whose members are <paramref name="current"/> (every member when
    /// <see cref="NeedsCurrentMembers"/>, else at least those of <see cref="IdsToLookUp"/> that are members). Values
    /// are the members' identity (RFC 7644 §3.5.2.1): adding a present member changes nothing; a replacement that
    /// names a present member with another display name rewrites it.
    /// </summary>
    public MemberDiff Diff(IReadOnlyCollection<Member> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var currentDisplay = current.DistinctBy(m => m.Id, StringComparer.Ordinal).ToDictionary(m => m.Id, m => m.Display, StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        if (ReplaceAll)
        {
            removed.UnionWith(currentDisplay.Keys.Where(m => !Adds.ContainsKey(m)));
        }

        foreach (var filter in Filters)
        {
            removed.UnionWith(current.Where(m => filter.Matches(Element(m.Id, m.Display))).Select(m => m.Id));
        }

        removed.UnionWith(Removes.Where(currentDisplay.ContainsKey));
        removed.ExceptWith(Adds.Keys);
        var adds = Adds
            .Where(a => !currentDisplay.TryGetValue(a.Key, out var display)
                || (ReplaceAll && a.Value is not null && !string.Equals(a.Value, display, StringComparison.Ordinal)))
            .Select(a => new Member(a.Key, a.Value))
            .ToList();
        return new MemberDiff(adds, [.. removed.Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// A whole group PATCH applied to a document that holds its members: the others with <see cref="PatchEngine"/>, the
    /// members with <see cref="Diff"/>, members in id order as the service lists them. What the fixtures run.
    /// </summary>
    public static PatchOutcome ApplyToDocument(JsonObject group, PatchRequest request, ResourceTypeDefinition groups)
    {
        ArgumentNullException.ThrowIfNull(group);
        var (members, others) = Split(PatchPlanner.Plan(request, groups));
        var document = (JsonObject)group.DeepClone();
        var current = (document[Attribute] as JsonArray ?? []).OfType<JsonObject>().Select(e => Element(e)).Select(e => new Member(e.Id, e.Display)).ToList();
        document.Remove(Attribute);
        var outcome = others.Count == 0 ? new PatchOutcome(document, false) : PatchEngine.Apply(document, others, groups);
        var diff = members.Diff(current);
        var elements = (group[Attribute] as JsonArray ?? []).OfType<JsonObject>().ToDictionary(e => Element(e).Id, e => (JsonObject)e.DeepClone(), StringComparer.Ordinal);
        foreach (var removed in diff.Removes)
        {
            elements.Remove(removed);
        }

        foreach (var added in diff.Adds)
        {
            var element = elements.TryGetValue(added.Id, out var kept) ? kept : new JsonObject { ["value"] = added.Id };
            if (added.Display is not null)
            {
                element["display"] = added.Display;
            }

            elements[added.Id] = element;
        }

        var result = outcome.Resource;
        if (elements.Count > 0)
        {
            result[Attribute] = new JsonArray([.. elements.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (JsonNode)e.Value)]);
        }

        return new PatchOutcome(result, outcome.Modified || !diff.IsEmpty);
    }

    private static bool IsMemberOperation(BoundPatchOperation operation) =>
        !operation.Attribute.IsExtension && operation.Attribute.Attribute.Name == Attribute;

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
