using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning.Stores;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// Group membership as pairs of rows: <c>m:{group}:{user}</c> in the group's key range and <c>r:{user}:{group}</c>
/// in the user's. Both rows of a pair are always written and deleted in the same transaction.
/// </summary>
internal static class Memberships
{
    public const string DisplayProperty = "Display";

    /// <summary>Pairs per transaction: two actions each, leaving room for the group row and its index rows.</summary>
    public const int PairsPerTransaction = 45;

    public static IEnumerable<TableTransactionAction> Add(string organization, string groupId, string userId, string? display)
    {
        yield return new TableTransactionAction(TableTransactionActionType.UpsertReplace,
            new TableEntity(organization, TableLayout.Member(groupId, userId)) { [DisplayProperty] = display });
        yield return new TableTransactionAction(TableTransactionActionType.UpsertReplace,
            new TableEntity(organization, TableLayout.Membership(userId, groupId)));
    }

    public static IEnumerable<TableTransactionAction> Remove(string organization, string groupId, string userId)
    {
        yield return new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Member(groupId, userId)), ETag.All);
        yield return new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Membership(userId, groupId)), ETag.All);
    }

    /// <summary>The ids of a group's members with their display names, in id order.</summary>
    public static async Task<List<(string UserId, string? Display)>> MembersAsync(ScimTable table, string organization, string groupId, CancellationToken cancellationToken)
    {
        var prefix = TableLayout.MembersPrefixFor(groupId);
        var members = new List<(string, string?)>();
        await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            members.Add((row.RowKey[prefix.Length..], row.GetString(DisplayProperty)));
        }

        return members;
    }

    public static async Task<List<string>> GroupIdsOfUserAsync(ScimTable table, string organization, string userId, CancellationToken cancellationToken)
    {
        var prefix = TableLayout.MembershipsPrefixFor(userId);
        var ids = new List<string>();
        await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), select: ["RowKey"], cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            ids.Add(row.RowKey[prefix.Length..]);
        }

        return ids;
    }

    public static async Task<List<GroupRef>> GroupsOfUserAsync(ScimTable table, string organization, string userId, CancellationToken cancellationToken)
    {
        var groups = new List<GroupRef>();
        foreach (var groupId in await GroupIdsOfUserAsync(table, organization, userId, cancellationToken).ConfigureAwait(false))
        {
            var row = await table.GetAsync(organization, TableLayout.Group(groupId), cancellationToken).ConfigureAwait(false);
            groups.Add(new GroupRef(groupId, row?.GetString(Groups.GroupRows.DisplayNameProperty)));
        }

        return groups;
    }

    /// <summary>Removes every membership of a user, a transaction of pairs at a time; returns how many there were.</summary>
    public static async Task<int> RemoveAllOfUserAsync(ScimTable table, string organization, string userId, CancellationToken cancellationToken)
    {
        var groupIds = await GroupIdsOfUserAsync(table, organization, userId, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in groupIds.Chunk(PairsPerTransaction))
        {
            await RemovePairsAsync(table, organization, [.. chunk.Select(g => (g, userId))], cancellationToken).ConfigureAwait(false);
        }

        return groupIds.Count;
    }

    /// <summary>
    /// A deleted user's memberships: the group-side rows go (groups no longer list the user), the user-side rows stay as
    /// the record a restore brings back; returns how many group-side rows were removed.
    /// </summary>
    /// <remarks><paramref name="groupIds"/>: the user's groups when the caller has just read them.</remarks>
    public static async Task<int> RemoveGroupSidesOfUserAsync(
        ScimTable table, string organization, string userId, CancellationToken cancellationToken, IReadOnlyList<string>? groupIds = null)
    {
        var removed = 0;
        groupIds ??= await GroupIdsOfUserAsync(table, organization, userId, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in groupIds.Chunk(StorageLimits.MaxTransactionActions))
        {
            try
            {
                await table.SubmitAsync([.. chunk.Select(g => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Member(g, userId)), ETag.All))],
                    cancellationToken).ConfigureAwait(false);
                removed += chunk.Length;
                continue;
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // One is already gone (an earlier attempt, or a group's delete): each on its own.
            }

            foreach (var groupId in chunk)
            {
                try
                {
                    await table.SubmitAsync(
                        [new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Member(groupId, userId)), ETag.All)],
                        cancellationToken).ConfigureAwait(false);
                    removed++;
                }
                catch (TableTransactionFailedException e) when (e.Status == 404)
                {
                    // Already gone.
                }
            }
        }

        return removed;
    }

    /// <summary>Removes the user-side rows of a purged user.</summary>
    public static async Task RemoveUserSidesAsync(ScimTable table, string organization, string userId, CancellationToken cancellationToken)
    {
        var groupIds = await GroupIdsOfUserAsync(table, organization, userId, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in groupIds.Chunk(StorageLimits.MaxTransactionActions))
        {
            try
            {
                await table.SubmitAsync([.. chunk.Select(g => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Membership(userId, g)), ETag.All))], cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // One was removed concurrently: the next purge run removes the rest.
            }
        }
    }

    /// <summary>Removes every member of a group, a transaction of pairs at a time; returns how many there were.</summary>
    public static async Task<int> RemoveAllOfGroupAsync(ScimTable table, string organization, string groupId, CancellationToken cancellationToken)
    {
        var members = await MembersAsync(table, organization, groupId, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in members.Chunk(PairsPerTransaction))
        {
            await RemovePairsAsync(table, organization, [.. chunk.Select(m => (groupId, m.UserId))], cancellationToken).ConfigureAwait(false);
        }

        return members.Count;
    }

    /// <summary>
    /// Deletes pairs in one transaction. When a row is already gone (a concurrent removal, or the other half of a pair
    /// left by an older failure), the transaction fails as a whole with 404; then each pair is removed on its own with
    /// whichever of its rows exist, so that a repeated cleanup always finishes.
    /// </summary>
    private static async Task RemovePairsAsync(ScimTable table, string organization, IReadOnlyList<(string GroupId, string UserId)> pairs, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitAsync([.. pairs.SelectMany(p => Remove(organization, p.GroupId, p.UserId))], cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            foreach (var (groupId, userId) in pairs)
            {
                var present = new List<TableTransactionAction>();
                foreach (var key in new[] { TableLayout.Member(groupId, userId), TableLayout.Membership(userId, groupId) })
                {
                    if (await table.GetAsync(organization, key, cancellationToken).ConfigureAwait(false) is { } row)
                    {
                        present.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
                    }
                }

                try
                {
                    await table.SubmitAsync(present, cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException again) when (again.Status == 404)
                {
                    // Removed by someone else in the meantime: nothing left to do for this pair.
                }
            }
        }
    }
}
