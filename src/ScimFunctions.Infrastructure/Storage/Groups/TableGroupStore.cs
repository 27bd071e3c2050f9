using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage.Users;

namespace ScimFunctions.Infrastructure.Storage.Groups;

/// <summary>
/// Groups on Table Storage (docs/storage.md): the group row holds the group without its members; each member is a
/// pair of membership rows (<see cref="Memberships"/>), so adding or removing k members costs O(k) whatever the
/// group's size. Membership changes commit through <see cref="GroupMembershipWriter"/> (one transaction, or an intent
/// and its chunks). Storage outcomes become <see cref="GroupWrite"/> outcomes here and nowhere else.
/// </summary>
internal sealed class TableGroupStore(
    ScimTable table,
    OrganizationStore organizations,
    OrganizationCounters counters,
    ChangeOutbox outbox,
    PageBoundaryCache pageBoundaries,
    ProvisioningOptions options,
    ResourceTypeDefinition groups,
    TimeProvider time) : IGroupStore
{
    /// <summary>Point reads of one request in flight at once.</summary>
    private const int ParallelReads = 16;

    private readonly GroupMembershipWriter memberships = new(table, time, outbox);

    public async Task<StoredGroup?> FindAsync(string organization, string id, CancellationToken cancellationToken) =>
        ResourceRows.IsResourceId(id) && await table.GetAsync(organization, TableLayout.Group(id), cancellationToken).ConfigureAwait(false) is { } row
            ? GroupRows.Read(row)
            : null;

    public async Task<string?> FindIdByDisplayNameAsync(string organization, string displayName, CancellationToken cancellationToken) =>
        (await table.GetAsync(organization, TableLayout.GroupNameIndex(displayName), cancellationToken).ConfigureAwait(false))?.GetString(GroupRows.GroupIdProperty);

    public async Task<IReadOnlyList<Member>> MembersAsync(string organization, string groupId, CancellationToken cancellationToken) =>
        [.. (await Memberships.MembersAsync(table, organization, groupId, cancellationToken).ConfigureAwait(false)).Select(m => new Member(m.UserId, m.Display))];

    public async Task<IReadOnlyList<Member>> MembersAmongAsync(string organization, string groupId, IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var present = new ConcurrentBag<Member>();
        await Parallel.ForEachAsync(userIds.Where(ResourceRows.IsResourceId), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (userId, token) =>
        {
            if (await table.GetAsync(organization, TableLayout.Member(groupId, userId), token).ConfigureAwait(false) is { } row)
            {
                present.Add(new Member(userId, row.GetString(Memberships.DisplayProperty)));
            }
        }).ConfigureAwait(false);
        return [.. present];
    }

    public async Task<Dictionary<string, MemberCandidate>> CandidatesAsync(string organization, IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        var found = new ConcurrentDictionary<string, MemberCandidate>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            userIds.Where(ResourceRows.IsResourceId).Distinct(StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (id, token) =>
            {
                if (await table.GetAsync(organization, TableLayout.User(id), token).ConfigureAwait(false) is { } user)
                {
                    found[id] = new MemberCandidate(UserRows.DisplayOf(user), new RowHandle(user));
                }
            }).ConfigureAwait(false);
        return new Dictionary<string, MemberCandidate>(found, StringComparer.Ordinal);
    }

    public Task<ScimResult> ListAsync(
        ScimRequestContext context, ListRequest request, ResourceRepresenter represent,
        Func<string, StoredResource, CompiledFilter, CancellationToken, Task<JsonObject>> evaluable, CancellationToken cancellationToken) =>
        ResourceLister.ListAsync(
            new ResourceLister.Source(table, counters, pageBoundaries, options, groups, TableLayout.GroupPrefix, o => o.Groups, LoadByIndexAsync, represent, evaluable),
            context,
            request,
            cancellationToken);

    public Task<GroupWrite> CreateAsync(string organization, NewGroup group, MembershipPlan members, ChangeEvent created, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => CreateCoreAsync(organization, group, members, created, cancellationToken));

    private async Task<GroupWrite> CreateCoreAsync(string organization, NewGroup group, MembershipPlan members, ChangeEvent created, CancellationToken cancellationToken)
    {
        var orgRow = await organizations.RequireRowAsync(organization, cancellationToken).ConfigureAwait(false);
        using var slot = await counters.ReserveAsync(orgRow, new CounterDelta(Groups: 1), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var row = GroupRows.GroupRow(organization, group.Id, group.Document, group.Facts, 1, now, now);
        row[GroupRows.CreateRequestProperty] = group.CreateRequest;
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, row) };
        actions.AddRange(GroupRows.IndexRows(organization, group.Id, group.Facts).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        try
        {
            await memberships.CommitAsync(organization, group.Id, actions, slot, members, [created], new GroupIdentity(group.Facts.DisplayName, group.Facts.ExternalId, 1), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // No holder of the displayName means the conflict was elsewhere (a counter shard created concurrently).
            return await FindIdByDisplayNameAsync(organization, group.Facts.DisplayName, cancellationToken).ConfigureAwait(false) is { } holder
                ? new GroupWrite.DisplayNameTaken(holder)
                : GroupWrite.Again;
        }

        return new GroupWrite.Committed(GroupRows.Read(row));
    }

    public Task<GroupWrite> ReplaceAsync(
        string organization, StoredGroup existing, JsonObject document, MembershipPlan members, IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => ReplaceCoreAsync(organization, existing, document, members, events, cancellationToken));

    private async Task<GroupWrite> ReplaceCoreAsync(
        string organization, StoredGroup existing, JsonObject document, MembershipPlan members, IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        var id = existing.Id;
        var before = GroupFacts.From(existing.Document);
        var after = GroupFacts.From(document);
        var row = GroupRows.GroupRow(organization, id, document, after, existing.Version + 1, existing.Resource.Created, time.GetUtcNow());
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, existing.Resource.Row().ETag) };
        var beforeRows = GroupRows.IndexRows(organization, id, before).ToList();
        var afterRows = GroupRows.IndexRows(organization, id, after).ToList();
        actions.AddRange(afterRows.ExceptBy(beforeRows.Select(r => r.RowKey), r => r.RowKey).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        actions.AddRange(beforeRows.ExceptBy(afterRows.Select(r => r.RowKey), r => r.RowKey).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
        try
        {
            await memberships.CommitAsync(organization, id, actions, null, members, events, new GroupIdentity(after.DisplayName, after.ExternalId, existing.Version + 1), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return await FindIdByDisplayNameAsync(organization, after.DisplayName, cancellationToken).ConfigureAwait(false) is { } holder
                && !string.Equals(holder, id, StringComparison.Ordinal)
                ? new GroupWrite.DisplayNameTaken(holder)
                : GroupWrite.Again;
        }

        return new GroupWrite.Committed(GroupRows.Read(row));
    }

    public Task<GroupWrite> DeleteAsync(string organization, StoredGroup group, ChangeEvent deleted, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => DeleteCoreAsync(organization, group, deleted, cancellationToken));

    /// <summary>
    /// The group with its index rows and counter in one transaction, then its membership pairs. The group goes first,
    /// so that a DELETE that fails never leaves a live group stripped of its members.
    /// </summary>
    private async Task<GroupWrite> DeleteCoreAsync(string organization, StoredGroup group, ChangeEvent deleted, CancellationToken cancellationToken)
    {
        var id = group.Id;
        var groupRow = group.Resource.Row();
        var orgRow = await organizations.RequireRowAsync(organization, cancellationToken).ConfigureAwait(false);
        using (var slot = await counters.ReserveAsync(orgRow, new CounterDelta(Groups: -1), cancellationToken).ConfigureAwait(false))
        {
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, groupRow, groupRow.ETag) };
            var facts = GroupFacts.From(group.Document);
            actions.AddRange(GroupRows.IndexRows(organization, id, facts).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
            if (group.Pending)
            {
                // The unfinished rest of a membership change goes with the group; its finisher stops.
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Intent(id)), ETag.All));
            }

            await memberships.CommitAsync(organization, id, actions, slot, MembershipPlan.None, [deleted], new GroupIdentity(facts.DisplayName, facts.ExternalId, group.Version), cancellationToken)
                .ConfigureAwait(false);
        }

        await Memberships.RemoveAllOfGroupAsync(table, organization, id, cancellationToken).ConfigureAwait(false);
        return new GroupWrite.Committed(group);
    }

    public Task<bool> FinishDeleteAsync(string organization, string id, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(async () =>
            ResourceRows.IsResourceId(id) && await Memberships.RemoveAllOfGroupAsync(table, organization, id, cancellationToken).ConfigureAwait(false) > 0);

    public Task FinishPendingAsync(string organization, string groupId, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => memberships.FinishPendingAsync(organization, groupId, cancellationToken));

    private async Task<IEnumerable<string>> LoadByIndexAsync(string organization, IndexLookup lookup, CancellationToken cancellationToken)
    {
        switch (lookup.Kind)
        {
            case IndexKind.Id:
                return [lookup.Value];
            case IndexKind.GroupName:
                return await FindIdByDisplayNameAsync(organization, lookup.Value, cancellationToken).ConfigureAwait(false) is { } id ? [id] : [];
            case IndexKind.GroupExternalId:
                var prefix = TableLayout.GroupExternalIdIndexPrefixFor(lookup.Value);
                var ids = new List<string>();
                await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(row.GetString(GroupRows.GroupIdProperty)!);
                }

                return ids;
            case IndexKind.Member:
                return ResourceRows.IsResourceId(lookup.Value)
                    ? await Memberships.GroupIdsOfUserAsync(table, organization, lookup.Value, cancellationToken).ConfigureAwait(false)
                    : [];
            default:
                return [];
        }
    }
}
