using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Organizations;

namespace ScimFunctions.Infrastructure.Storage.Users;

/// <summary>
/// Users on Table Storage (docs/storage.md): a write of a user, its index rows (userName, externalId, emails), its
/// counter delta and its event row commits in one entity-group transaction of the organization's partition.
/// Storage outcomes (409 at an index row, 412, 404) become <see cref="UserWrite"/> outcomes here and nowhere else.
/// </summary>
internal sealed class TableUserStore(
    ScimTable table,
    OrganizationStore organizations,
    OrganizationCounters counters,
    ChangeOutbox outbox,
    PageBoundaryCache pageBoundaries,
    ProvisioningOptions options,
    ResourceTypeDefinition users,
    TimeProvider time) : IUserStore
{
    /// <summary>Groups of a restore read together; beyond this many they come back after its transaction.</summary>
    private const int GroupsRestoredInTransaction = 30;

    public async Task<StoredUser?> FindAsync(string organization, string id, CancellationToken cancellationToken) =>
        await TableResources.ReadAsync(table, organization, TableLayout.UserPrefix, id, cancellationToken).ConfigureAwait(false) is { } user
            ? new StoredUser(user, UserRows.SourceOf(user.Row()))
            : null;

    public async Task<string?> FindIdByUserNameAsync(string organization, string userName, CancellationToken cancellationToken) =>
        (await table.GetAsync(organization, TableLayout.UserNameIndex(userName), cancellationToken).ConfigureAwait(false))?.GetString(UserRows.UserIdProperty);

    public async Task<IReadOnlyList<string>> FindIdsByEmailAsync(string organization, string email, CancellationToken cancellationToken) =>
        await IdsInAsync(organization, TableLayout.EmailIndexPrefixFor(email), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<GroupRef>> GroupsOfAsync(string organization, string userId, CancellationToken cancellationToken) =>
        await Memberships.GroupsOfUserAsync(table, organization, userId, cancellationToken).ConfigureAwait(false);

    public Task<Core.Protocol.ScimResult> ListAsync(ScimRequestContext context, ListRequest request, ResourceRepresenter represent, CancellationToken cancellationToken) =>
        ResourceLister.ListAsync(
            new ResourceLister.Source(table, counters, pageBoundaries, options, users, TableLayout.UserPrefix, o => o.Users, LoadByIndexAsync, represent),
            context,
            request,
            cancellationToken);

    public async Task<OrganizationState> OrganizationAsync(string organization, CancellationToken cancellationToken)
    {
        var row = await organizations.RequireRowAsync(organization, cancellationToken).ConfigureAwait(false);
        return new OrganizationState(OrganizationRow.Read(row), new RowHandle(row));
    }

    public Task<UserWrite> CreateAsync(
        OrganizationState organization, NewUser user, CounterDelta delta, ChangeEvent created, bool probeDeletedUsers, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => CreateCoreAsync(organization, user, delta, created, probeDeletedUsers, cancellationToken));

    private async Task<UserWrite> CreateCoreAsync(
        OrganizationState organization, NewUser user, CounterDelta delta, ChangeEvent created, bool probeDeletedUsers, CancellationToken cancellationToken)
    {
        var orgRow = RowOf(organization);
        var organizationId = orgRow.PartitionKey;
        using var slot = await counters.ReserveAsync(orgRow, delta, cancellationToken).ConfigureAwait(false);
        if (slot.SeatRefusal is { } seats)
        {
            return new UserWrite.SeatLimitReached(seats);
        }

        var now = time.GetUtcNow();
        var row = UserRows.UserRow(organizationId, user.Id, user.Document, user.Facts, user.Source, version: 1, now, now);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, row) };
        actions.AddRange(UserRows.IndexRows(organizationId, user.Id, user.Facts, UserRows.CurrentLayout).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));

        // Instead of reading first whether a deleted user has this userName and externalId, the create inserts their
        // (empty) match row: the insert fails only when the row exists, which is when one may (docs/storage.md).
        var matchIndex = -1;
        if (probeDeletedUsers && user.Facts.ExternalId is { } externalId)
        {
            matchIndex = actions.Count;
            actions.Add(UserRows.ProbeMatchAction(organizationId, user.Facts.UserName, externalId));
        }

        try
        {
            if (!await CommitAsync(organizationId, actions, slot, [created], cancellationToken).ConfigureAwait(false))
            {
                return UserWrite.Again;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && matchIndex >= 0 && e.FailedTransactionActionIndex == matchIndex)
        {
            return new UserWrite.DeletedUserMayMatch();
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            // No holder of the userName means the conflict was a counter shard created concurrently or, when the failed
            // action was not named, the match row.
            return await UserNameConflictAsync(organizationId, user.Facts, cancellationToken).ConfigureAwait(false)
                ?? (matchIndex >= 0 && e.FailedTransactionActionIndex is null ? new UserWrite.DeletedUserMayMatch() : UserWrite.Again);
        }

        return new UserWrite.Committed(UserRows.Read(row), Seats(slot, delta)) { Effect = created.Type };
    }

    public Task<UserWrite> ReplaceAsync(
        string organizationId, OrganizationState? organization, UserReplacement replacement, CounterDelta delta, ChangeEvent change, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => ReplaceCoreAsync(organizationId, organization, replacement, delta, change, cancellationToken));

    private async Task<UserWrite> ReplaceCoreAsync(
        string organizationId, OrganizationState? organization, UserReplacement replacement, CounterDelta delta, ChangeEvent change, CancellationToken cancellationToken)
    {
        var (existing, document, before, after, source) = replacement;
        var existingRow = existing.Resource.Row();
        var row = UserRows.UserRow(organizationId, existing.Id, document, after, source, existing.Version + 1, existing.Resource.Created, time.GetUtcNow());
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, existingRow.ETag) };
        var beforeRows = UserRows.IndexRows(organizationId, existing.Id, before, UserRows.LayoutOf(existingRow)).ToList();
        var afterRows = UserRows.IndexRows(organizationId, existing.Id, after, UserRows.CurrentLayout).ToList();
        actions.AddRange(afterRows.ExceptBy(beforeRows.Select(r => r.RowKey), r => r.RowKey).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        actions.AddRange(beforeRows.ExceptBy(afterRows.Select(r => r.RowKey), r => r.RowKey).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));

        // A change that counts nothing is conditional on the user row alone, and so is a deactivation where the
        // organization row says nothing about where its delta goes (OrganizationCounters.NeedsOrganizationRow).
        var orgRow = organization is null ? null : RowOf(organization);
        if (orgRow is null && counters.NeedsOrganizationRow(organizationId, delta))
        {
            orgRow = await organizations.RequireRowAsync(organizationId, cancellationToken).ConfigureAwait(false);
        }

        using var slot = await counters.ReserveAsync(organizationId, orgRow, delta, cancellationToken).ConfigureAwait(false);
        if (slot.SeatRefusal is { } refused)
        {
            return new UserWrite.SeatLimitReached(refused);
        }

        try
        {
            if (!await CommitAsync(organizationId, actions, slot, [change], cancellationToken).ConfigureAwait(false))
            {
                return UserWrite.Again;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return await UserNameConflictAsync(organizationId, after, cancellationToken, exceptUserId: existing.Id).ConfigureAwait(false) ?? UserWrite.Again;
        }

        return new UserWrite.Committed(UserRows.Read(row), Seats(slot, delta)) { Effect = change.Type };
    }

    public Task<UserWrite> DeleteAsync(string organizationId, StoredUser user, UserFacts facts, CounterDelta delta, ChangeEvent deleted, int attempt, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => DeleteCoreAsync(organizationId, user, facts, delta, deleted, attempt, cancellationToken));

    /// <summary>
    /// In one transaction the user row becomes a deleted-user row, its index rows go, its seat is freed, its match row
    /// names it, and (when they fit, on the first attempt) its groups' side of each membership goes; the user's side
    /// stays for a restore. Groups that did not fit, or whose row went meanwhile, lose their side right after.
    /// </summary>
    private async Task<UserWrite> DeleteCoreAsync(string organizationId, StoredUser user, UserFacts facts, CounterDelta delta, ChangeEvent deleted, int attempt, CancellationToken cancellationToken)
    {
        var userRow = user.Resource.Row();
        var id = user.Id;
        // Removing the group-side rows in the delete's own transaction is tried on the first attempt only: one of them
        // may be gone after a failed one, which would fail the transaction again.
        var withGroups = attempt == 1;

        // Independent reads, in one round trip. The user's groups are read after the user: a member add that commits
        // later changes the user's row (its pair needs it), so this delete's ETag check then fails. The organization row
        // only when the counters or the first deleted user's mark need it.
        var orgRead = counters.NeedsOrganizationRow(organizationId, delta, needsDeletedUsersMark: true)
            ? organizations.GetRowAsync(organizationId, cancellationToken)
            : Task.FromResult<TableEntity?>(null);
        var matchRead = facts.ExternalId is { } externalId
            ? table.GetAsync(organizationId, TableLayout.DeletedUserMatch(facts.UserName, externalId), cancellationToken)
            : Task.FromResult<TableEntity?>(null);
        var groupsRead = withGroups ? Memberships.GroupIdsOfUserAsync(table, organizationId, id, cancellationToken) : Task.FromResult(new List<string>());
        await Task.WhenAll(orgRead, matchRead, groupsRead).ConfigureAwait(false);
        var orgRow = await orgRead.ConfigureAwait(false);
        var match = await matchRead.ConfigureAwait(false);
        var groups = await groupsRead.ConfigureAwait(false);
        using (var slot = await counters.ReserveAsync(organizationId, orgRow, delta, cancellationToken).ConfigureAwait(false))
        {
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, userRow, userRow.ETag) };
            actions.AddRange(UserRows.IndexRows(organizationId, id, facts, UserRows.LayoutOf(userRow)).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
            var deletedRowIndex = actions.Count;
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, UserRows.DeletedRow(userRow, id, time.GetUtcNow())));
            if (facts.ExternalId is { } matchExternalId)
            {
                actions.Add(UserRows.MatchAction(organizationId, facts.UserName, matchExternalId, match, add: id));
            }

            // Groups stop listing the user in the same transaction when their rows fit beside the rest (the
            // organization row's mark, the event and the counter take up to three more actions).
            var groupsInTransaction = groups.Count > 0 && actions.Count + groups.Count + 3 <= StorageLimits.MaxTransactionActions;
            if (groupsInTransaction)
            {
                actions.AddRange(groups.Select(g => UserRows.Delete(organizationId, TableLayout.Member(g, id))));
            }

            if (orgRow is not null && !OrganizationRow.Read(orgRow).HasDeletedUsers)
            {
                // The organization's first deleted user: instances of the previous version look for one to restore only
                // once this is set (this version's POSTs learn it from the match row).
                if (slot.Action?.Entity is TableEntity { RowKey: TableLayout.OrganizationRow } counted)
                {
                    counted[OrganizationRow.HasDeletedUsers] = true;
                }
                else
                {
                    actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                        new TableEntity(organizationId, TableLayout.OrganizationRow) { [OrganizationRow.HasDeletedUsers] = true }, orgRow.ETag));
                }
            }

            try
            {
                // False when the user, the counters or the match row changed, or a group-side row was gone: read again.
                if (!await CommitAsync(organizationId, actions, slot, [deleted], cancellationToken).ConfigureAwait(false))
                {
                    return UserWrite.Again;
                }
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                if (e.FailedTransactionActionIndex == deletedRowIndex)
                {
                    // A deleted-user row of this live user's id is a leftover (a user cannot be both): it goes.
                    await table.SubmitAsync([UserRows.Delete(organizationId, TableLayout.DeletedUser(id))], cancellationToken).ConfigureAwait(false);
                }

                // Else the match row was added concurrently: read everything again.
                return UserWrite.Again;
            }

            if (!groupsInTransaction)
            {
                // The groups read in this attempt are all there are: a pair added since would have failed its ETag check.
                await Memberships.RemoveGroupSidesOfUserAsync(table, organizationId, id, cancellationToken, withGroups ? groups : null).ConfigureAwait(false);
            }

            return new UserWrite.Committed(user, Seats(slot, delta)) { Effect = deleted.Type };
        }
    }

    /// <summary>
    /// A deleted user keeps its user-side membership rows for a restore; a user removed by the previous version (no
    /// deleted-user row) loses them too.
    /// </summary>
    public Task<bool> FinishDeleteAsync(string organization, string id, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(async () => ResourceRows.IsResourceId(id)
        && (await table.GetAsync(organization, TableLayout.DeletedUser(id), cancellationToken).ConfigureAwait(false) is not null
            ? await Memberships.RemoveGroupSidesOfUserAsync(table, organization, id, cancellationToken).ConfigureAwait(false) > 0
            : await Memberships.RemoveAllOfUserAsync(table, organization, id, cancellationToken).ConfigureAwait(false) > 0));

    public async Task<DeletedUser?> FindRestorableAsync(string organization, string userName, string externalId, CancellationToken cancellationToken)
    {
        if (await table.GetAsync(organization, TableLayout.DeletedUserMatch(userName, externalId), cancellationToken).ConfigureAwait(false) is not { } match)
        {
            return null;
        }

        var ids = UserRows.MatchIds(match);
        return ids.Length == 1 && await FindDeletedAsync(organization, ids[0], cancellationToken).ConfigureAwait(false) is { } deleted
            ? deleted with { Lookup = new RowHandle(match) }
            : null;
    }

    public async Task<DeletedUser?> FindDeletedAsync(string organization, string id, CancellationToken cancellationToken) =>
        ResourceRows.IsResourceId(id) && await table.GetAsync(organization, TableLayout.DeletedUser(id), cancellationToken).ConfigureAwait(false) is { } row
            ? UserRows.ReadDeleted(row)
            : null;

    public Task<UserWrite> RestoreAsync(
        OrganizationState organization, DeletedUser deleted, JsonObject document, UserFacts facts, CounterDelta delta, ChangeEvent restored, CancellationToken cancellationToken) =>
        StoreConflicts.StaleOnConflictAsync(() => RestoreCoreAsync(organization, deleted, document, facts, delta, restored, cancellationToken));

    /// <summary>
    /// In one transaction: the user row again (same id, a new version), the deleted-user row gone, its index rows, its
    /// match row without it, its seat, and its groups when they fit (three actions a group: its row, the user's
    /// membership in it, its event), so that a restore that fails leaves nothing half-done for its retry.
    /// </summary>
    private async Task<UserWrite> RestoreCoreAsync(
        OrganizationState organization, DeletedUser deleted, JsonObject document, UserFacts facts, CounterDelta delta, ChangeEvent restored, CancellationToken cancellationToken)
    {
        var orgRow = RowOf(organization);
        var organizationId = orgRow.PartitionKey;
        using var slot = await counters.ReserveAsync(orgRow, delta, cancellationToken).ConfigureAwait(false);
        if (slot.SeatRefusal is { } seats)
        {
            return new UserWrite.SeatLimitReached(seats);
        }

        var deletedRow = deleted.User.Resource.Row();
        var deletedFacts = UserFacts.From(deleted.User.Document, options.MaxIndexedEmails);
        var row = UserRows.UserRow(organizationId, deleted.Id, document, facts, deleted.User.Source, deleted.User.Version + 1, deleted.User.Resource.Created, time.GetUtcNow());
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, row),
            new(TableTransactionActionType.Delete, deletedRow, deletedRow.ETag),
        };
        actions.AddRange(UserRows.IndexRows(organizationId, deleted.Id, facts, UserRows.CurrentLayout).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        if (deletedFacts.ExternalId is { } externalId
            && ((deleted.Lookup as RowHandle)?.Row
                ?? await table.GetAsync(organizationId, TableLayout.DeletedUserMatch(deletedFacts.UserName, externalId), cancellationToken).ConfigureAwait(false)) is { } match)
        {
            actions.Add(UserRows.MatchAction(organizationId, deletedFacts.UserName, externalId, match, remove: deleted.Id));
        }

        var (groupIds, groupActions, groupEvents) = await RestoredMembershipsAsync(organizationId, deleted.Id, facts, cancellationToken).ConfigureAwait(false);
        var groupsInTransaction = groupActions is not null && actions.Count + groupActions.Count + groupEvents.Count + 2 <= StorageLimits.MaxTransactionActions;
        if (groupsInTransaction)
        {
            actions.AddRange(groupActions!);
        }

        try
        {
            // A group deleted since it was read fails the transaction (404): the attempt runs again.
            if (!await CommitAsync(organizationId, actions, slot, [restored, .. groupsInTransaction ? groupEvents : []], cancellationToken).ConfigureAwait(false))
            {
                return UserWrite.Again;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return await UserNameConflictAsync(organizationId, facts, cancellationToken, exceptUserId: deleted.Id).ConfigureAwait(false) ?? UserWrite.Again;
        }

        if (!groupsInTransaction)
        {
            await RestoreMembershipsAsync(organizationId, deleted.Id, groupIds, facts, cancellationToken).ConfigureAwait(false);
        }

        return new UserWrite.Committed(UserRows.Read(row), Seats(slot, delta)) { Effect = restored.Type };
    }

    public async IAsyncEnumerable<DeletedUser> DeletedAsync(string organization, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in table.RangeAsync(organization, TableLayout.DeletedUserPrefix, TableLayout.PrefixEnd(TableLayout.DeletedUserPrefix), cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            yield return UserRows.ReadDeleted(row);
        }
    }

    public async Task<bool> PurgeAsync(string organization, DeletedUser deleted, ChangeEvent purged, CancellationToken cancellationToken)
    {
        var row = deleted.User.Resource.Row();
        var facts = UserFacts.From(deleted.User.Document, options.MaxIndexedEmails);
        await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, row, row.ETag) };
        if (facts.ExternalId is { } externalId
            && await table.GetAsync(organization, TableLayout.DeletedUserMatch(facts.UserName, externalId), cancellationToken).ConfigureAwait(false) is { } match)
        {
            actions.Add(UserRows.MatchAction(organization, facts.UserName, externalId, match, remove: deleted.Id));
        }

        actions.Add(purged.Row());
        try
        {
            await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
            outbox.Committed([purged]);
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
        {
            // Restored or purged meanwhile.
            return false;
        }

        await Memberships.RemoveUserSidesAsync(table, organization, deleted.Id, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Commits a transaction that carries a counter slot's action and the change's events (the outbox); false when a row
    /// it is conditional on changed (412) or went away (404), so that the attempt must run again. Other conflicts (409)
    /// are the caller's. The dispatcher is told once it committed.
    /// </summary>
    private async Task<bool> CommitAsync(string organization, List<TableTransactionAction> actions, CounterSlot slot, IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken)
    {
        await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
        actions.AddRange(events.Select(e => e.Row()));
        slot.AddTo(actions);
        try
        {
            slot.Committed(await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false));
            outbox.Committed(events);
            return true;
        }
        catch (TableTransactionFailedException e)
        {
            if (slot.Failed(e) || e.Status is 412 or 404)
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>The user holding the userName of <paramref name="facts"/> after a 409, when another one does.</summary>
    private async Task<UserWrite?> UserNameConflictAsync(string organization, UserFacts facts, CancellationToken cancellationToken, string? exceptUserId = null)
    {
        var holderId = await FindIdByUserNameAsync(organization, facts.UserName, cancellationToken).ConfigureAwait(false);
        if (holderId is null || string.Equals(holderId, exceptUserId, StringComparison.Ordinal))
        {
            return null;
        }

        var holder = await FindAsync(organization, holderId, cancellationToken).ConfigureAwait(false);
        return new UserWrite.UserNameTaken(holderId, holder is not null && holder.Source != UserSource.Scim);
    }

    /// <summary>
    /// What brings a restored user's groups back inside the restore's transaction: for each group it is still in, the
    /// group-side row, a merge into the group's row whatever its version (it fails only if the group is gone), and an
    /// event; the user-side row of a group that is gone goes. Null actions when the user is in too many groups.
    /// </summary>
    private async Task<(List<string> GroupIds, List<TableTransactionAction>? Actions, List<ChangeEvent> Events)> RestoredMembershipsAsync(
        string organization, string userId, UserFacts facts, CancellationToken cancellationToken)
    {
        var groupIds = await Memberships.GroupIdsOfUserAsync(table, organization, userId, cancellationToken).ConfigureAwait(false);
        if (groupIds.Count > GroupsRestoredInTransaction)
        {
            return (groupIds, null, []);
        }

        var groups = await Task.WhenAll(groupIds.Select(g => table.GetAsync(organization, TableLayout.Group(g), cancellationToken))).ConfigureAwait(false);
        var actions = new List<TableTransactionAction>();
        var events = new List<ChangeEvent>();
        for (var i = 0; i < groupIds.Count; i++)
        {
            if (groups[i] is not { } group)
            {
                actions.Add(UserRows.Delete(organization, TableLayout.Membership(userId, groupIds[i])));
                continue;
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(organization, TableLayout.Member(groupIds[i], userId)) { [Memberships.DisplayProperty] = facts.DisplayName ?? facts.UserName }));
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, group.RowKey), ETag.All));
            events.Add(MembersAdded(organization, groupIds[i], group, userId));
        }

        return (groupIds, actions, events);
    }

    /// <summary>
    /// The groups of a restored user in more groups than fit in its transaction list it again after it: for each
    /// user-side row kept, the group-side row comes back in a transaction that merges into the group's row whatever its
    /// version (it fails only if the group was deleted meanwhile; that user-side row then goes) with a
    /// <c>group.members.added</c> event.
    /// </summary>
    private async Task RestoreMembershipsAsync(string organization, string userId, IReadOnlyList<string> groupIds, UserFacts facts, CancellationToken cancellationToken)
    {
        foreach (var groupId in groupIds)
        {
            var group = await table.GetAsync(organization, TableLayout.Group(groupId), cancellationToken).ConfigureAwait(false);
            var actions = new List<TableTransactionAction>();
            ChangeEvent? added = null;
            if (group is null)
            {
                actions.Add(UserRows.Delete(organization, TableLayout.Membership(userId, groupId)));
            }
            else
            {
                await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                    new TableEntity(organization, TableLayout.Member(groupId, userId)) { [Memberships.DisplayProperty] = facts.DisplayName ?? facts.UserName }));
                // Conditional on the group's existence only (not its version): a concurrent change of the group does not
                // keep the member out.
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, group.RowKey), ETag.All));
                added = MembersAdded(organization, groupId, group, userId);
                actions.Add(added.Row());
            }

            try
            {
                await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
                outbox.Committed(added is null ? [] : [added]);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404 && group is not null)
            {
                // The group was deleted meanwhile: its membership goes too.
                await table.SubmitAsync([UserRows.Delete(organization, TableLayout.Membership(userId, groupId))], cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Already removed.
            }
        }
    }

    private ChangeEvent MembersAdded(string organization, string groupId, TableEntity group, string userId) =>
        ChangeEvent.Create(time, ChangeEventTypes.MembersAdded, organization, "Group", groupId, group.GetString("ExternalId"), group.GetString(Groups.GroupRows.DisplayNameProperty),
            ["members"], group.GetInt64(TableResources.VersionProperty) ?? 1, [userId]);

    /// <summary>The user ids of the index rows under a prefix.</summary>
    private async Task<List<string>> IdsInAsync(string organization, string prefix, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ids.Add(row.GetString(UserRows.UserIdProperty)!);
        }

        return ids;
    }

    /// <summary>The ids of the users an index lookup can match.</summary>
    private async Task<IEnumerable<string>> LoadByIndexAsync(string organization, IndexLookup lookup, CancellationToken cancellationToken)
    {
        switch (lookup.Kind)
        {
            case IndexKind.Id:
                return [lookup.Value];
            case IndexKind.UserName:
                return await FindIdByUserNameAsync(organization, lookup.Value, cancellationToken).ConfigureAwait(false) is { } id ? [id] : [];
            case IndexKind.UserExternalId:
                // Every user with this externalId (layout 2), and the one a layout-1 row still names.
                var legacy = table.GetAsync(organization, TableLayout.LegacyUserExternalIdIndex(lookup.Value), cancellationToken);
                var ids = await IdsInAsync(organization, TableLayout.UserExternalIdIndexPrefixFor(lookup.Value), cancellationToken).ConfigureAwait(false);
                if ((await legacy.ConfigureAwait(false))?.GetString(UserRows.UserIdProperty) is { } legacyId)
                {
                    ids.Add(legacyId);
                }

                return ids;
            case IndexKind.Email:
                return await IdsInAsync(organization, TableLayout.EmailIndexPrefixFor(lookup.Value.ToUpperInvariant()), cancellationToken).ConfigureAwait(false);
            default:
                return [];
        }
    }

    private static TableEntity RowOf(OrganizationState organization) => ((RowHandle)organization.Handle).Row;

    /// <summary>Seat usage after an activation change, where the write knew the exact totals (organizations with a seat limit).</summary>
    private static SeatUsage? Seats(CounterSlot slot, CounterDelta delta) =>
        delta.ActiveUsers != 0 && slot.Totals is { } totals ? new SeatUsage(totals.ActiveUsers + delta.ActiveUsers, totals.MaxSeats ?? -1) : null;
}
