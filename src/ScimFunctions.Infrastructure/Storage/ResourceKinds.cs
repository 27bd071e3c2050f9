using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Storage.Groups;
using ScimFunctions.Infrastructure.Storage.Users;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// What the storage layer knows of one resource type: its row prefix, the index rows a resource has (by the row's
/// layout) and the property of an index row that names its resource. The services write by it, and the invariant
/// checker and repair read by it, so that a new resource type or index is described once.
/// </summary>
internal sealed record ResourceKind(
    string Name,
    string Prefix,
    string IndexIdProperty,
    IReadOnlyList<string> IndexPrefixes,
    Func<string, StoredResource, IEnumerable<TableEntity>> IndexRows);

internal static class ResourceKinds
{
    public static ResourceKind User(int maxIndexedEmails) => new(
        "User",
        TableLayout.UserPrefix,
        "UserId",
        [TableLayout.UserNameIndexPrefix, TableLayout.UserExternalIdIndexPrefix, TableLayout.EmailIndexPrefix],
        (organization, user) => UserRows.IndexRows(organization, user.Id, UserFacts.From(user.Document, maxIndexedEmails), UserRows.LayoutOf(user.Row())));

    public static ResourceKind Group { get; } = new(
        "Group",
        TableLayout.GroupPrefix,
        "GroupId",
        [TableLayout.GroupNameIndexPrefix, TableLayout.GroupExternalIdIndexPrefix],
        (organization, group) => GroupRows.IndexRows(organization, group.Id, GroupFacts.From(group.Document)));

    public static IReadOnlyList<ResourceKind> All(int maxIndexedEmails) => [User(maxIndexedEmails), Group];
}
