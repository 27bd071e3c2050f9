using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;

namespace ScimFunctions.Infrastructure.Storage.Users;

/// <summary>The rows of a user (docs/storage.md): the user row, its index rows, its deleted-user row and match row.</summary>
internal static class UserRows
{
    private const string UserNameProperty = "UserName";
    private const string DisplayNameProperty = "DisplayName";
    private const string ExternalIdProperty = "ExternalId";
    private const string ActiveProperty = "Active";
    private const string SourceProperty = "Source";
    public const string UserIdProperty = "UserId";
    private const string LayoutProperty = "Layout";
    private const string DeletedProperty = "Deleted";
    public const string UserIdsProperty = "UserIds";

    /// <summary>
    /// The row layout this code writes: 2 = externalId index rows per user (<c>x:{hash}:{id}</c>). A user row without
    /// <c>Layout</c> is layout 1 (<c>x:{hash}</c>); readers accept both, writers move a user to 2 when they write it.
    /// </summary>
    public const int CurrentLayout = 2;

    public static StoredUser Read(TableEntity row) => new(TableResources.Read(row, TableLayout.UserPrefix), SourceOf(row));

    public static DeletedUser ReadDeleted(TableEntity row) => new(new StoredUser(TableResources.Read(row, TableLayout.DeletedUserPrefix), SourceOf(row)), DeletedAt(row));

    /// <summary>The index rows of a user in a row layout (<see cref="CurrentLayout"/>); the invariant checker expects the same.</summary>
    public static IEnumerable<TableEntity> IndexRows(string organization, string userId, UserFacts facts, int layout)
    {
        yield return new TableEntity(organization, TableLayout.UserNameIndex(facts.UserName)) { [UserIdProperty] = userId };
        if (facts.ExternalId is not null)
        {
            var key = layout >= 2 ? TableLayout.UserExternalIdIndex(facts.ExternalId, userId) : TableLayout.LegacyUserExternalIdIndex(facts.ExternalId);
            yield return new TableEntity(organization, key) { [UserIdProperty] = userId };
        }

        foreach (var email in facts.Emails)
        {
            yield return new TableEntity(organization, TableLayout.EmailIndex(email, userId)) { [UserIdProperty] = userId };
        }
    }

    public static TableEntity UserRow(string organization, string id, JsonObject document, UserFacts facts, UserSource source, long version, DateTimeOffset created, DateTimeOffset lastModified)
    {
        var row = TableResources.NewRow(organization, TableLayout.User(id), document, version, created, lastModified);
        row[UserNameProperty] = facts.UserName;
        row[DisplayNameProperty] = facts.DisplayName;
        row[ExternalIdProperty] = facts.ExternalId;
        row[ActiveProperty] = facts.Active;
        row[SourceProperty] = source.ToString();
        row[LayoutProperty] = CurrentLayout;
        return row;
    }

    /// <summary>The deleted-user row: the user row's columns under <c>z:{id}</c>, with the time of the delete.</summary>
    public static TableEntity DeletedRow(TableEntity user, string id, DateTimeOffset deleted)
    {
        var row = new TableEntity(user.PartitionKey, TableLayout.DeletedUser(id));
        foreach (var (name, value) in user)
        {
            if (name is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            {
                row[name] = value;
            }
        }

        row[DeletedProperty] = deleted;
        return row;
    }

    /// <summary>The match row of (userName, externalId) with <paramref name="add"/> added to or <paramref name="remove"/> taken from its ids.</summary>
    public static TableTransactionAction MatchAction(string organization, string userName, string externalId, TableEntity? current, string? add = null, string? remove = null)
    {
        var ids = MatchIds(current).ToList();
        if (add is not null && !ids.Contains(add, StringComparer.Ordinal))
        {
            ids.Add(add);
        }

        ids.RemoveAll(i => string.Equals(i, remove, StringComparison.Ordinal));
        var row = new TableEntity(organization, TableLayout.DeletedUserMatch(userName, externalId)) { [UserIdsProperty] = string.Join(',', ids) };
        return current is null
            ? new TableTransactionAction(TableTransactionActionType.Add, row)
            : ids.Count == 0
                ? new TableTransactionAction(TableTransactionActionType.Delete, current, current.ETag)
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, current.ETag);
    }

    /// <summary>The empty match row a create inserts to learn whether the row exists (docs/storage.md).</summary>
    public static TableTransactionAction ProbeMatchAction(string organization, string userName, string externalId) =>
        new(TableTransactionActionType.Add, new TableEntity(organization, TableLayout.DeletedUserMatch(userName, externalId)) { [UserIdsProperty] = string.Empty });

    /// <summary>The deleted users a match row names.</summary>
    public static string[] MatchIds(TableEntity? match) =>
        (match?.GetString(UserIdsProperty) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);

    public static TableTransactionAction Delete(string organization, string rowKey) =>
        new(TableTransactionActionType.Delete, new TableEntity(organization, rowKey), ETag.All);

    /// <summary>When a deleted-user row was deleted.</summary>
    public static DateTimeOffset DeletedAt(TableEntity row) => row.GetDateTimeOffset(DeletedProperty) ?? DateTimeOffset.MinValue;

    /// <summary>The row layout a user row was written in: 1 when it has no <c>Layout</c> column.</summary>
    public static int LayoutOf(TableEntity row) => row.GetInt32(LayoutProperty) ?? 1;

    public static UserSource SourceOf(TableEntity row) =>
        Enum.TryParse<UserSource>(row.GetString(SourceProperty), out var source) ? source : UserSource.Scim;

    public static string? DisplayOf(TableEntity row) => row.GetString(DisplayNameProperty) ?? row.GetString(UserNameProperty);

    public static string? UserNameOf(TableEntity row) => row.GetString(UserNameProperty);

    public static string? ExternalIdOf(TableEntity row) => row.GetString(ExternalIdProperty);
}
