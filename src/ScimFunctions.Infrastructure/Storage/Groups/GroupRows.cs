using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;

namespace ScimFunctions.Infrastructure.Storage.Groups;

/// <summary>The rows of a group (docs/storage.md): the group row (without members) and its index rows.</summary>
internal static class GroupRows
{
    public const string DisplayNameProperty = "DisplayName";
    public const string ExternalIdProperty = "ExternalId";
    public const string GroupIdProperty = "GroupId";
    public const string CreateRequestProperty = "CreateRequest";

    public static StoredGroup Read(TableEntity row) =>
        new(TableResources.Read(row, TableLayout.GroupPrefix), GroupMembershipWriter.IsPending(row), row.GetString(CreateRequestProperty));

    public static IEnumerable<TableEntity> IndexRows(string organization, string groupId, GroupFacts facts)
    {
        yield return new TableEntity(organization, TableLayout.GroupNameIndex(facts.DisplayName)) { [GroupIdProperty] = groupId };
        if (facts.ExternalId is not null)
        {
            yield return new TableEntity(organization, TableLayout.GroupExternalIdIndex(facts.ExternalId, groupId)) { [GroupIdProperty] = groupId };
        }
    }

    public static TableEntity GroupRow(string organization, string id, JsonObject document, GroupFacts facts, long version, DateTimeOffset created, DateTimeOffset lastModified)
    {
        var row = TableResources.NewRow(organization, TableLayout.Group(id), document, version, created, lastModified);
        row[DisplayNameProperty] = facts.DisplayName;
        row[ExternalIdProperty] = facts.ExternalId;
        return row;
    }
}
