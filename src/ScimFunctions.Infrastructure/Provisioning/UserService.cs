using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Telemetry;
using Microsoft.Extensions.Logging;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>
/// Users of an organization (RFC 7644 §3.3–§3.6) on Table Storage: every write of a user, its index rows
/// (userName, externalId, emails) and the organization's counters commits in one entity-group transaction.
/// See docs/storage.md for the rows each operation reads and writes.
/// </summary>
public sealed class UserService(
    ScimTable table,
    OrganizationStore organizations,
    ScimSchemaRegistry registry,
    ProvisioningOptions options,
    PageBoundaryCache pageBoundaries,
    TimeProvider time,
    ILogger<UserService> logger,
    OrganizationCounters counters,
    ChangeOutbox outbox)
{
    private const string UserNameProperty = "UserName";
    private const string DisplayNameProperty = "DisplayName";
    private const string ExternalIdProperty = "ExternalId";
    private const string ActiveProperty = "Active";
    private const string SourceProperty = "Source";
    private const string UserIdProperty = "UserId";
    private const string LayoutProperty = "Layout";
    private const string DeletedProperty = "Deleted";
    private const string UserIdsProperty = "UserIds";

    /// <summary>
    /// The row layout this code writes: 2 = externalId index rows per user (<c>x:{hash}:{id}</c>). A user row without
    /// <c>Layout</c> is layout 1 (<c>x:{hash}</c>); readers accept both, writers move a user to 2 when they write it.
    /// </summary>
    internal const int CurrentLayout = 2;

    private ResourceTypeDefinition Users => registry.User;

    public Task<ScimResult> CreateAsync(ScimRequestContext context, JsonNode? body, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => CreateAsync(context, body, UserSource.Scim, cancellationToken));

    /// <summary>
    /// Creates a user that exists before SCIM provisioning (by hand or by just-in-time sign-in). An identity
    /// provider's lookup finds it, and its POST adopts it.
    /// </summary>
    public Task<ScimResult> CreateUnmanagedAsync(ScimRequestContext context, JsonNode? body, UserSource source, CancellationToken cancellationToken) =>
        source == UserSource.Scim
            ? throw new ArgumentOutOfRangeException(nameof(source), "Use CreateAsync for SCIM-managed users.")
            : ServiceErrors.Guard(() => CreateAsync(context, body, source, cancellationToken));

    public Task<ScimResult> GetAsync(ScimRequestContext context, string id, Projection projection, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(async () =>
        {
            var selection = AttributeSelection.Parse(Users, projection.Attributes, projection.ExcludedAttributes);
            var user = await ReadAsync(context.OrganizationId, id, cancellationToken).ConfigureAwait(false);
            return user is null
                ? NotFound(id)
                : ScimResult.Ok(await RepresentAsync(context, user, selection, cancellationToken).ConfigureAwait(false), user.ETag);
        });

    public Task<ScimResult> ListAsync(ScimRequestContext context, ListRequest request, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => ResourceLister.ListAsync(
            new ResourceLister.Source(table, counters, pageBoundaries, options, Users, TableLayout.UserPrefix, o => o.Users, LoadByIndexAsync, RepresentAsync),
            context,
            request,
            cancellationToken));

    /// <summary>PUT (RFC 7644 §3.5.1): the body replaces every writable attribute; immutable ones must not change.</summary>
    public Task<ScimResult> ReplaceAsync(ScimRequestContext context, string id, JsonNode? body, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var replacement = ResourceNormalizer.Normalize(body, Users);
            return UpdateAsync(context, id, ifMatch, Projection.Default, existing =>
            {
                ResourceRules.CheckImmutable(existing.Document, replacement, Users);
                var document = (JsonObject)replacement.DeepClone();
                IdentityProviderQuirks.KeepOmittedActive(existing.Document, document);
                return document;
            }, cancellationToken);
        });

    /// <summary>PATCH (RFC 7644 §3.5.2): all operations or none; 200 with the user.</summary>
    public Task<ScimResult> PatchAsync(ScimRequestContext context, string id, JsonNode? body, string? ifMatch, Projection projection, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var operations = PatchPlanner.Plan(PatchRequest.Parse(body), Users);
            return UpdateAsync(context, id, ifMatch, projection, existing =>
            {
                var outcome = PatchEngine.Apply(existing.Document, operations, Users);
                return outcome.Modified ? outcome.Resource : null;
            }, cancellationToken);
        });

    /// <summary>
    /// DELETE (docs/storage.md, "Deleted users"): in one transaction the user row becomes a deleted-user row, its index
    /// rows go (its userName and externalId stop blocking new users), its seat is freed, and it is findable by
    /// (userName, externalId) for a restore, and groups stop listing it (their side of each membership goes, the
    /// user's side stays for the restore; for a user in more groups than fit in the transaction, or when one of those
    /// rows went meanwhile, right after it); 204. Every read answers 404 for it from the first transaction on. A DELETE
    /// that fails after that transaction leaves group-side rows of a deleted user, which a repeated DELETE removes
    /// before it answers 204 (else 404). After the retention period the purge removes the rest.
    /// </summary>
    public Task<ScimResult> DeleteAsync(ScimRequestContext context, string id, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var organization = context.OrganizationId;
            // Whether this request still tries to remove the group-side rows in the delete's own transaction (it stops
            // after a failed attempt: one of them may be gone, which fails the transaction).
            var withGroups = true;
            return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
            {
                var (user, refusal) = await ResourceRows.ReadForChangeAsync(table, organization, TableLayout.UserPrefix, "User", id, ifMatch, cancellationToken).ConfigureAwait(false);
                if (user is null)
                {
                    return refusal!.Status == 404 && ResourceRows.IsResourceId(id) && await FinishDeleteAsync(organization, id, cancellationToken).ConfigureAwait(false)
                        ? ScimResult.NoContent()
                        : refusal;
                }

                var facts = UserFacts.From(user.Document, options.MaxIndexedEmails);
                var unmanaged = SourceOf(user.Row) != UserSource.Scim;
                // Independent reads, in one round trip. The user's groups are read after the user: a member add that
                // commits later changes the user's row (its pair needs it), so this delete's ETag check then fails.
                var orgRead = organizations.RequireRowAsync(organization, cancellationToken);
                var matchRead = facts.ExternalId is { } externalId
                    ? table.GetAsync(organization, TableLayout.DeletedUserMatch(facts.UserName, externalId), cancellationToken)
                    : Task.FromResult<TableEntity?>(null);
                var groupsRead = withGroups ? Memberships.GroupIdsOfUserAsync(table, organization, id, cancellationToken) : Task.FromResult(new List<string>());
                await Task.WhenAll(orgRead, matchRead, groupsRead).ConfigureAwait(false);
                var orgRow = await orgRead.ConfigureAwait(false);
                var match = await matchRead.ConfigureAwait(false);
                var delta = new CounterDelta(Users: -1, ActiveUsers: facts.Active ? -1 : 0, UnmanagedUsers: unmanaged ? -1 : 0);
                using (var slot = await counters.ReserveAsync(orgRow, delta, cancellationToken).ConfigureAwait(false))
                {
                    var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, user.Row, user.Row.ETag) };
                    actions.AddRange(IndexRows(organization, id, facts, LayoutOf(user.Row)).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
                    var deletedRowIndex = actions.Count;
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Add, DeletedRow(user, time.GetUtcNow())));
                    if (facts.ExternalId is { } matchExternalId)
                    {
                        actions.Add(DeletedMatchAction(organization, facts.UserName, matchExternalId, match, add: id));
                    }

                    // Groups stop listing the user in the same transaction when their rows fit beside the rest (the
                    // organization row's mark, the event and the counter take up to three more actions).
                    var groups = await groupsRead.ConfigureAwait(false);
                    var groupsInTransaction = groups.Count > 0 && actions.Count + groups.Count + 3 <= StorageLimits.MaxTransactionActions;
                    if (groupsInTransaction)
                    {
                        actions.AddRange(groups.Select(g => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Member(g, id)), ETag.All)));
                    }

                    if (!OrganizationRow.Read(orgRow).HasDeletedUsers)
                    {
                        // The organization's first deleted user: instances of the previous version look for one to
                        // restore only once this is set (this version's POSTs learn it from the match row).
                        if (slot.Action?.Entity is TableEntity { RowKey: TableLayout.OrganizationRow } counted)
                        {
                            counted[OrganizationRow.HasDeletedUsers] = true;
                        }
                        else
                        {
                            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                                new TableEntity(organization, TableLayout.OrganizationRow) { [OrganizationRow.HasDeletedUsers] = true }, orgRow.ETag));
                        }
                    }

                    var deleted = ChangeEvent.Create(time, ChangeEventTypes.UserDeleted, organization, "User", id, facts.ExternalId, facts.UserName, [], user.Version);
                    try
                    {
                        if (!await CommitAsync(organization, actions, slot, deleted, cancellationToken).ConfigureAwait(false))
                        {
                            // The user, the counters or the deleted-user match changed (another instance or request), or a
                            // group-side row was gone: read again, and remove those rows after the transaction.
                            withGroups &= !groupsInTransaction;
                            return null;
                        }

                        if (groupsInTransaction)
                        {
                            LogSeats(organization, slot, delta);
                            return ScimResult.NoContent() with { Effect = ChangeEventTypes.UserDeleted };
                        }
                    }
                    catch (TableTransactionFailedException e) when (e.Status == 409)
                    {
                        if (e.FailedTransactionActionIndex == deletedRowIndex)
                        {
                            // A deleted-user row of this live user's id is a leftover (a user cannot be both): it goes.
                            await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.DeletedUser(id)), ETag.All)], cancellationToken)
                                .ConfigureAwait(false);
                        }

                        // Else the match row was added concurrently: read everything again.
                        return null;
                    }

                    LogSeats(organization, slot, delta);
                }

                // The groups read in this attempt are all there are: a pair added since would have failed its ETag check.
                var readGroups = withGroups ? await groupsRead.ConfigureAwait(false) : null;
                await Memberships.RemoveGroupSidesOfUserAsync(table, organization, id, cancellationToken, readGroups).ConfigureAwait(false);
                return ScimResult.NoContent() with { Effect = ChangeEventTypes.UserDeleted };
            }, cancellationToken);
        });

    /// <summary>
    /// A repeated DELETE of a user that is gone: removes what an earlier DELETE left; true when there was something
    /// (then 204, else 404). A deleted user keeps its user-side membership rows for a restore; a user removed by the
    /// previous version (no deleted-user row) loses them too.
    /// </summary>
    private async Task<bool> FinishDeleteAsync(string organization, string id, CancellationToken cancellationToken) =>
        await table.GetAsync(organization, TableLayout.DeletedUser(id), cancellationToken).ConfigureAwait(false) is not null
            ? await Memberships.RemoveGroupSidesOfUserAsync(table, organization, id, cancellationToken).ConfigureAwait(false) > 0
            : await Memberships.RemoveAllOfUserAsync(table, organization, id, cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>The deleted-user row: the user row's columns under <c>z:{id}</c>, with the time of the delete.</summary>
    private static TableEntity DeletedRow(StoredResource user, DateTimeOffset deleted)
    {
        var row = new TableEntity(user.Row.PartitionKey, TableLayout.DeletedUser(user.Id));
        foreach (var (name, value) in user.Row)
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
    private static TableTransactionAction DeletedMatchAction(string organization, string userName, string externalId, TableEntity? current, string? add = null, string? remove = null)
    {
        var ids = (current?.GetString(UserIdsProperty) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
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

    /// <summary>
    /// The one deleted user a POST restores: userName (case-insensitively) and externalId (case-exactly) both match,
    /// and no other deleted user matches too. Null otherwise (a match on one of the two is a new user: Entra's
    /// externalId, mailNickname, is reused for new hires).
    /// </summary>
    private async Task<(StoredResource Deleted, TableEntity Match)?> FindRestorableAsync(string organization, UserFacts facts, CancellationToken cancellationToken)
    {
        if (facts.ExternalId is not { } externalId
            || await table.GetAsync(organization, TableLayout.DeletedUserMatch(facts.UserName, externalId), cancellationToken).ConfigureAwait(false) is not { } match)
        {
            return null;
        }

        var ids = (match.GetString(UserIdsProperty) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length != 1 || await table.GetAsync(organization, TableLayout.DeletedUser(ids[0]), cancellationToken).ConfigureAwait(false) is not { } row)
        {
            return null;
        }

        var deleted = StoredResource.Read(row, TableLayout.DeletedUserPrefix);
        return DeletedAt(row) + TimeSpan.FromDays(options.DeletedRetentionDays) > time.GetUtcNow() ? (deleted, match) : null;
    }

    /// <summary>When a deleted-user row was deleted.</summary>
    internal static DateTimeOffset DeletedAt(TableEntity row) => row.GetDateTimeOffset(DeletedProperty) ?? DateTimeOffset.MinValue;

    /// <summary>
    /// Restores a deleted user: same id, the given document (a POST's attributes, or the stored ones for
    /// <c>scim-admin user restore</c>), a new version, its index rows, its seat (seats permitting), and its groups back;
    /// 201. Null when a concurrent change got there first (the attempt runs again).
    /// </summary>
    private async Task<ScimResult?> RestoreAsync(ScimRequestContext context, TableEntity orgRow, StoredResource deleted, TableEntity? match, JsonObject document, CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var facts = UserFacts.From(document, options.MaxIndexedEmails);
        var source = SourceOf(deleted.Row);
        var delta = new CounterDelta(Users: 1, ActiveUsers: facts.Active ? 1 : 0, UnmanagedUsers: source == UserSource.Scim ? 0 : 1);
        using var slot = await counters.ReserveAsync(orgRow, delta, cancellationToken).ConfigureAwait(false);
        if (slot.SeatRefusal is { } seats)
        {
            return seats;
        }

        var deletedFacts = UserFacts.From(deleted.Document, options.MaxIndexedEmails);
        var row = UserRow(organization, deleted.Id, document, facts, source, deleted.Version + 1, deleted.Created, time.GetUtcNow());
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, row),
            new(TableTransactionActionType.Delete, deleted.Row, deleted.Row.ETag),
        };
        actions.AddRange(IndexRows(organization, deleted.Id, facts, CurrentLayout).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        if (deletedFacts.ExternalId is { } externalId)
        {
            match ??= await table.GetAsync(organization, TableLayout.DeletedUserMatch(deletedFacts.UserName, externalId), cancellationToken).ConfigureAwait(false);
            if (match is not null)
            {
                actions.Add(DeletedMatchAction(organization, deletedFacts.UserName, externalId, match, remove: deleted.Id));
            }
        }

        // The groups come back in the same transaction when they fit (three actions a group: its row, the user's
        // membership in it, its event), so that a restore that fails leaves nothing half-done for its retry.
        var (groupIds, groupActions, groupEvents) = await RestoredMembershipsAsync(organization, deleted.Id, facts, cancellationToken).ConfigureAwait(false);
        var groupsInTransaction = groupActions is not null && actions.Count + groupActions.Count + groupEvents.Count + 2 <= StorageLimits.MaxTransactionActions;
        if (groupsInTransaction)
        {
            actions.AddRange(groupActions!);
        }

        var restored = ChangeEvent.Create(time, ChangeEventTypes.UserRestored, organization, "User", deleted.Id, facts.ExternalId, facts.UserName, DocumentChanges.AttributeNames(document), deleted.Version + 1);
        try
        {
            // A group deleted since it was read fails the transaction (404): the attempt runs again.
            if (!await CommitAsync(organization, actions, slot, restored, cancellationToken, groupsInTransaction ? groupEvents : []).ConfigureAwait(false))
            {
                return null;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            var conflict = await FindUniquenessConflictAsync(organization, facts, cancellationToken, exceptUserId: deleted.Id).ConfigureAwait(false);
            if (conflict is null)
            {
                return null;
            }

            return ScimError.Uniqueness(conflict.Value.Detail);
        }

        LogSeats(organization, slot, delta);
        if (!groupsInTransaction)
        {
            await RestoreMembershipsAsync(organization, deleted.Id, groupIds, facts, cancellationToken).ConfigureAwait(false);
        }

        var user = StoredResource.Read(row, TableLayout.UserPrefix);
        var representation = await RepresentAsync(context, user, AttributeSelection.Default(Users), cancellationToken).ConfigureAwait(false);
        return ScimResult.Created(representation, Location(context, deleted.Id), user.ETag) with { Note = "restored", Effect = ChangeEventTypes.UserRestored };
    }

    /// <summary>Groups of a restore read together; beyond this many they come back after its transaction.</summary>
    private const int GroupsRestoredInTransaction = 30;

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
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Membership(userId, groupIds[i])), ETag.All));
                continue;
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(organization, TableLayout.Member(groupIds[i], userId)) { [Memberships.DisplayProperty] = facts.DisplayName ?? facts.UserName }));
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, group.RowKey), ETag.All));
            events.Add(ChangeEvent.Create(time, ChangeEventTypes.MembersAdded, organization, "Group", groupIds[i], group.GetString("ExternalId"), group.GetString(GroupService.DisplayNameProperty),
                ["members"], group.GetInt64(StoredResource.VersionProperty) ?? 1, [userId]));
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
                actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Membership(userId, groupId)), ETag.All));
            }
            else
            {
                await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                    new TableEntity(organization, TableLayout.Member(groupId, userId)) { [Memberships.DisplayProperty] = facts.DisplayName ?? facts.UserName }));
                // Conditional on the group's existence only (not its version): a concurrent change of the group does not
                // keep the member out.
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, group.RowKey), ETag.All));
                added = ChangeEvent.Create(time, ChangeEventTypes.MembersAdded, organization, "Group", groupId, group.GetString("ExternalId"), group.GetString(GroupService.DisplayNameProperty),
                    ["members"], group.GetInt64(StoredResource.VersionProperty) ?? 1, [userId]);
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
                await table.SubmitAsync(
                    [new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Membership(userId, groupId)), ETag.All)],
                    cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Already removed.
            }
        }
    }

    /// <summary>
    /// <c>scim-admin user restore</c>: restores a deleted user by id with its stored attributes; 404 when there is no
    /// deleted user of that id.
    /// </summary>
    public Task<ScimResult> RestoreAsync(ScimRequestContext context, string id, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
        {
            var row = ResourceRows.IsResourceId(id) ? await table.GetAsync(context.OrganizationId, TableLayout.DeletedUser(id), cancellationToken).ConfigureAwait(false) : null;
            if (row is null)
            {
                return ScimError.NotFound($"No deleted user '{id}'.");
            }

            var orgRow = await organizations.RequireRowAsync(context.OrganizationId, cancellationToken).ConfigureAwait(false);
            var deleted = StoredResource.Read(row, TableLayout.DeletedUserPrefix);
            return await RestoreAsync(context, orgRow, deleted, null, deleted.Document, cancellationToken).ConfigureAwait(false);
        }, cancellationToken));

    /// <summary>The deleted users of an organization that are still restorable, for <c>scim-admin user list --deleted</c>.</summary>
    public async Task<List<(string Id, string? UserName, string? ExternalId, DateTimeOffset Deleted)>> ListDeletedAsync(string organization, CancellationToken cancellationToken)
    {
        var deleted = new List<(string, string?, string?, DateTimeOffset)>();
        await foreach (var row in table.RangeAsync(organization, TableLayout.DeletedUserPrefix, TableLayout.PrefixEnd(TableLayout.DeletedUserPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            deleted.Add((row.RowKey[TableLayout.DeletedUserPrefix.Length..], row.GetString(UserNameProperty), row.GetString(ExternalIdProperty), DeletedAt(row)));
        }

        return deleted;
    }

    /// <summary>
    /// Removes the deleted users whose retention period is over (rows, match rows, user-side memberships), at most
    /// <paramref name="limit"/> per call, each with a <c>user.purged</c> event; returns how many.
    /// </summary>
    public async Task<int> PurgeExpiredAsync(string organization, int limit, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.DeletedRetentionDays);
        var expired = new List<TableEntity>();
        await foreach (var row in table.RangeAsync(organization, TableLayout.DeletedUserPrefix, TableLayout.PrefixEnd(TableLayout.DeletedUserPrefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (DeletedAt(row) < cutoff)
            {
                expired.Add(row);
                if (expired.Count == limit)
                {
                    break;
                }
            }
        }

        var purged = 0;
        foreach (var row in expired)
        {
            var user = StoredResource.Read(row, TableLayout.DeletedUserPrefix);
            var facts = UserFacts.From(user.Document, options.MaxIndexedEmails);
            await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, row, row.ETag) };
            if (facts.ExternalId is { } externalId
                && await table.GetAsync(organization, TableLayout.DeletedUserMatch(facts.UserName, externalId), cancellationToken).ConfigureAwait(false) is { } match)
            {
                actions.Add(DeletedMatchAction(organization, facts.UserName, externalId, match, remove: user.Id));
            }

            var purgedEvent = ChangeEvent.Create(time, ChangeEventTypes.UserPurged, organization, "User", user.Id, facts.ExternalId, facts.UserName, [], user.Version);
            actions.Add(purgedEvent.Row());
            try
            {
                await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
                outbox.Committed([purgedEvent]);
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                // Restored or purged meanwhile.
                continue;
            }

            await Memberships.RemoveUserSidesAsync(table, organization, user.Id, cancellationToken).ConfigureAwait(false);
            purged++;
        }

        return purged;
    }

    private Task<ScimResult> CreateAsync(ScimRequestContext context, JsonNode? body, UserSource source, CancellationToken cancellationToken)
    {
        var document = ResourceNormalizer.Normalize(body, Users);
        var facts = UserFacts.From(document, options.MaxIndexedEmails);
        var attempt = new CreateAttempt();
        return OptimisticWrite.RunAsync(options.MaxWriteAttempts, _ => TryCreateAsync(context, document, facts, source, attempt, cancellationToken), cancellationToken);
    }

    /// <summary>What one attempt at a create learned for the next: that the match row of its userName and externalId exists.</summary>
    private sealed class CreateAttempt
    {
        /// <summary>The match row exists: look for a deleted user to restore, and create without inserting the row.</summary>
        public bool MatchRowExists { get; set; }
    }

    /// <summary>One attempt at a create; null when it lost a race and must be retried.</summary>
    private async Task<ScimResult?> TryCreateAsync(ScimRequestContext context, JsonObject document, UserFacts facts, UserSource source, CreateAttempt attempt, CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var orgRow = await organizations.RequireRowAsync(organization, cancellationToken).ConfigureAwait(false);
        var settings = OrganizationRow.Read(orgRow);

        // Unmanaged users are counted on the organization row only, so this count is exact.
        if (source == UserSource.Scim && settings.UnmanagedUsers > 0)
        {
            var adoptable = await FindAdoptableAsync(organization, facts, settings.Adoption, cancellationToken).ConfigureAwait(false);
            if (adoptable is { } match)
            {
                var adopted = await AdoptAsync(context, orgRow, match.User, document, cancellationToken).ConfigureAwait(false);
                return adopted is null ? null : adopted with { Note = $"adopted:{match.MatchedBy}" };
            }
        }

        // A POST of a user deleted within the retention period (same userName and externalId) restores it; a previous
        // attempt found the match row that says one may exist.
        if (attempt.MatchRowExists && settings.RestoreDeletedUsers
            && await FindRestorableAsync(organization, facts, cancellationToken).ConfigureAwait(false) is { } restorable)
        {
            return await RestoreAsync(context, orgRow, restorable.Deleted, restorable.Match, document, cancellationToken).ConfigureAwait(false);
        }

        var delta = new CounterDelta(Users: 1, ActiveUsers: facts.Active ? 1 : 0, UnmanagedUsers: source == UserSource.Scim ? 0 : 1);
        using var slot = await counters.ReserveAsync(orgRow, delta, cancellationToken).ConfigureAwait(false);
        if (slot.SeatRefusal is { } seats)
        {
            return seats;
        }

        var now = time.GetUtcNow();
        var id = Guid.NewGuid().ToString();
        var row = UserRow(organization, id, document, facts, source, version: 1, now, now);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, row) };
        actions.AddRange(IndexRows(organization, id, facts, CurrentLayout).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));

        // Instead of reading first whether a deleted user has this userName and externalId, the create inserts their
        // (empty) match row: the insert fails only when the row exists, which is when one may (docs/storage.md).
        var matchIndex = -1;
        if (source == UserSource.Scim && facts.ExternalId is { } externalId && !attempt.MatchRowExists)
        {
            matchIndex = actions.Count;
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add,
                new TableEntity(organization, TableLayout.DeletedUserMatch(facts.UserName, externalId)) { [UserIdsProperty] = string.Empty }));
        }

        var created = ChangeEvent.Create(time, ChangeEventTypes.UserCreated, organization, "User", id, facts.ExternalId, facts.UserName, DocumentChanges.AttributeNames(document), 1);
        try
        {
            if (!await CommitAsync(organization, actions, slot, created, cancellationToken).ConfigureAwait(false))
            {
                // Another write took the counter row's version first: read it again.
                return null;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status == 409 && matchIndex >= 0 && e.FailedTransactionActionIndex == matchIndex)
        {
            // The match row exists: the next attempt (with this one's counter slot released) restores its one deleted
            // user, or else creates without the row (which stays for the users it names).
            attempt.MatchRowExists = true;
            return null;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            var conflict = await FindUniquenessConflictAsync(organization, facts, cancellationToken).ConfigureAwait(false);
            // An unmanaged holder of the userName is adopted on the next attempt, unless the organization never adopts;
            // no holder means the conflict was a counter shard created concurrently or, when the failed action was not
            // named, the match row (the next attempt then looks for a restore instead of inserting it again).
            attempt.MatchRowExists |= conflict is null && matchIndex >= 0 && e.FailedTransactionActionIndex is null;
            var adoptable = source == UserSource.Scim && conflict is { Unmanaged: true } && settings.Adoption != AdoptionRule.Off;
            return conflict is not null && !adoptable ? (ScimResult)ScimError.Uniqueness(conflict.Value.Detail) : null;
        }

        LogSeats(organization, slot, delta);
        var stored = StoredResource.Read(row, TableLayout.UserPrefix);
        var representation = await RepresentAsync(context, stored, AttributeSelection.Default(Users), cancellationToken).ConfigureAwait(false);
        return ScimResult.Created(representation, Location(context, id), stored.ETag) with { Effect = ChangeEventTypes.UserCreated };
    }

    /// <summary>
    /// Commits a transaction that carries a counter slot's action; false when a row it is conditional on changed
    /// (412) or went away (404), so that the attempt must run again. Other conflicts (409) are the caller's.
    /// </summary>
    /// <remarks>The change's event rides in the same transaction (the outbox); the dispatcher is told once it committed.</remarks>
    private async Task<bool> CommitAsync(
        string organization, List<TableTransactionAction> actions, CounterSlot slot, ChangeEvent change, CancellationToken cancellationToken, IReadOnlyList<ChangeEvent>? more = null)
    {
        await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ChangeEvent> events = [change, .. more ?? []];
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

    /// <summary>
    /// A user created by hand or by JIT sign-in that a POST links to under the organization's rule: the same userName
    /// (case-insensitively), or, with <see cref="AdoptionRule.UserNameOrEmail"/>, the POST's primary (else work) email
    /// equal to the existing user's primary or work email. Any other address (one a person may edit in the identity
    /// provider) never links. A SCIM-managed match by userName is left to the uniqueness check (409).
    /// </summary>
    private async Task<(StoredResource User, string MatchedBy)?> FindAdoptableAsync(string organization, UserFacts facts, AdoptionRule rule, CancellationToken cancellationToken)
    {
        if (rule == AdoptionRule.Off)
        {
            return null;
        }

        if (await table.GetAsync(organization, TableLayout.UserNameIndex(facts.UserName), cancellationToken).ConfigureAwait(false) is { } byName
            && await ReadAsync(organization, byName.GetString(UserIdProperty)!, cancellationToken).ConfigureAwait(false) is { } named)
        {
            return SourceOf(named.Row) != UserSource.Scim ? (named, "userName") : null;
        }

        if (rule != AdoptionRule.UserNameOrEmail || facts.PreferredEmail is not { } email)
        {
            return null;
        }

        foreach (var id in (await EmailMatchesAsync(organization, email, cancellationToken).ConfigureAwait(false)).Distinct(StringComparer.Ordinal))
        {
            var user = await ReadAsync(organization, id, cancellationToken).ConfigureAwait(false);
            if (user is not null && SourceOf(user.Row) != UserSource.Scim
                && UserFacts.From(user.Document, options.MaxIndexedEmails).LinkableEmails.Contains(email))
            {
                return (user, "email");
            }
        }

        return null;
    }

    /// <summary>
    /// Adoption: the existing user keeps its id and data, takes the identity provider's attributes and
    /// externalId, and becomes SCIM-managed. Null when a concurrent change got there first.
    /// </summary>
    private async Task<ScimResult?> AdoptAsync(ScimRequestContext context, TableEntity orgRow, StoredResource existing, JsonObject incoming, CancellationToken cancellationToken)
    {
        var merged = (JsonObject)existing.Document.DeepClone();
        foreach (var (key, value) in incoming)
        {
            if (key == "schemas" || value is null)
            {
                continue;
            }

            if (value is JsonObject extension && merged[key] is JsonObject current && key.StartsWith(ScimConstants.UrnPrefix, StringComparison.Ordinal))
            {
                foreach (var (name, attribute) in extension)
                {
                    current[name] = attribute?.DeepClone();
                }
            }
            else
            {
                merged[key] = value.DeepClone();
            }
        }

        var document = ResourceNormalizer.Normalize(merged, Users);
        var written = await WriteAsync(
            context.OrganizationId,
            orgRow,
            existing,
            document,
            UserFacts.From(existing.Document, options.MaxIndexedEmails),
            UserFacts.From(document, options.MaxIndexedEmails),
            UserSource.Scim,
            cancellationToken).ConfigureAwait(false);
        if (written?.Error is not null)
        {
            return written.Error;
        }

        if (written is null)
        {
            return null;
        }

        var representation = await RepresentAsync(context, written.User!, AttributeSelection.Default(Users), cancellationToken).ConfigureAwait(false);
        return ScimResult.Created(representation, Location(context, existing.Id), written.User!.ETag);
    }

    private Task<ScimResult> UpdateAsync(
        ScimRequestContext context,
        string id,
        string? ifMatch,
        Projection projection,
        Func<StoredResource, JsonObject?> change,
        CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var selection = AttributeSelection.Parse(Users, projection.Attributes, projection.ExcludedAttributes);
        return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
        {
            // If-Match is checked again on every attempt.
            var (user, refused) = await ResourceRows.ReadForChangeAsync(table, organization, TableLayout.UserPrefix, "User", id, ifMatch, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                return refused!;
            }

            var document = change(user);
            if (document is null)
            {
                // Nothing changed: no write, same version.
                return ScimResult.Ok(await RepresentAsync(context, user, selection, cancellationToken).ConfigureAwait(false), user.ETag);
            }

            var before = UserFacts.From(user.Document, options.MaxIndexedEmails);
            var after = UserFacts.From(document, options.MaxIndexedEmails);
            var transition = IdentityProviderQuirks.EntraSoftDeleteTransition(before.UserName, after.UserName);
            var written = await WriteAsync(organization, null, user, document, before, after, SourceOf(user.Row), cancellationToken).ConfigureAwait(false);
            if (written is null)
            {
                return null;
            }

            if (written.Error is { } error)
            {
                return transition == IdentityProviderQuirks.IdpRestore && written.Holder is { } holder
                    ? ScimError.Uniqueness(
                        $"Entra ID is restoring this soft-deleted user to its original userName, which user {holder} now holds. "
                        + $"If {holder} is a duplicate created while this user was deleted, remove it with 'scim-admin user delete {organization} {holder}' "
                        + "and let Entra ID retry; otherwise give one of them another userName in Entra ID.")
                    : error;
            }

            return ScimResult.Ok(await RepresentAsync(context, written.User!, selection, cancellationToken).ConfigureAwait(false), written.User!.ETag)
                with { Note = transition, Effect = written.Effect };
        }, cancellationToken);
    }

    private sealed record WriteResult(StoredResource? User, ScimError? Error, string? Holder = null, string? Effect = null);

    /// <summary>
    /// Replaces a user's document in one transaction with the index rows that change and, when the active state
    /// or the source changes, the organization's counters. Uniqueness conflicts become 409, a seat limit 403; null
    /// when a row the write is conditional on changed (the attempt runs again).
    /// </summary>
    private async Task<WriteResult?> WriteAsync(
        string organization,
        TableEntity? orgRow,
        StoredResource existing,
        JsonObject document,
        UserFacts before,
        UserFacts after,
        UserSource source,
        CancellationToken cancellationToken)
    {
        var wasUnmanaged = SourceOf(existing.Row) != UserSource.Scim;
        var becomesManaged = wasUnmanaged && source == UserSource.Scim;

        var now = time.GetUtcNow();
        var row = UserRow(organization, existing.Id, document, after, source, existing.Version + 1, existing.Created, now);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, existing.Row.ETag) };
        var beforeRows = IndexRows(organization, existing.Id, before, LayoutOf(existing.Row)).ToList();
        var afterRows = IndexRows(organization, existing.Id, after, CurrentLayout).ToList();
        var removed = beforeRows.ExceptBy(afterRows.Select(r => r.RowKey), r => r.RowKey);
        var added = afterRows.ExceptBy(beforeRows.Select(r => r.RowKey), r => r.RowKey);
        actions.AddRange(added.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
        actions.AddRange(removed.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));

        var delta = new CounterDelta(ActiveUsers: (after.Active ? 1 : 0) - (before.Active ? 1 : 0), UnmanagedUsers: becomesManaged ? -1 : 0);
        if (!delta.IsZero)
        {
            orgRow ??= await organizations.RequireRowAsync(organization, cancellationToken).ConfigureAwait(false);
        }

        using var slot = await counters.ReserveAsync(orgRow ?? existing.Row, delta, cancellationToken).ConfigureAwait(false);
        if (slot.SeatRefusal is { } refused)
        {
            return new WriteResult(null, refused);
        }

        var type = before.Active == after.Active ? ChangeEventTypes.UserUpdated : after.Active ? ChangeEventTypes.UserActivated : ChangeEventTypes.UserDeactivated;
        var change = ChangeEvent.Create(time, type, organization, "User", existing.Id, after.ExternalId, after.UserName,
            DocumentChanges.Changed(existing.Document, document), existing.Version + 1);
        try
        {
            if (!await CommitAsync(organization, actions, slot, change, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            var conflict = await FindUniquenessConflictAsync(organization, after, cancellationToken, exceptUserId: existing.Id).ConfigureAwait(false);
            return conflict is null
                ? null
                : new WriteResult(null, ScimError.Uniqueness(conflict.Value.Detail), conflict.Value.Holder);
        }

        LogSeats(organization, slot, delta);
        return new WriteResult(StoredResource.Read(row, TableLayout.UserPrefix), null, Effect: type);
    }

    /// <summary>Which unique value of <paramref name="facts"/> another user holds; the detail names the attribute only.</summary>
    private async Task<(string Detail, bool Unmanaged, string Holder)?> FindUniquenessConflictAsync(string organization, UserFacts facts, CancellationToken cancellationToken, string? exceptUserId = null)
    {
        if (await OwnerAsync(TableLayout.UserNameIndex(facts.UserName)).ConfigureAwait(false) is { } byName)
        {
            var holder = await ReadAsync(organization, byName, cancellationToken).ConfigureAwait(false);
            return ("A user with this userName already exists in the organization.", holder is not null && SourceOf(holder.Row) != UserSource.Scim, byName);
        }

        return null;

        async Task<string?> OwnerAsync(string rowKey)
        {
            var index = await table.GetAsync(organization, rowKey, cancellationToken).ConfigureAwait(false);
            var owner = index?.GetString(UserIdProperty);
            return owner is not null && !string.Equals(owner, exceptUserId, StringComparison.Ordinal) ? owner : null;
        }
    }

    private Task<List<string>> EmailMatchesAsync(string organization, string email, CancellationToken cancellationToken) =>
        IdsInAsync(organization, TableLayout.EmailIndexPrefixFor(email), cancellationToken);

    /// <summary>The user ids of the index rows under a prefix.</summary>
    private async Task<List<string>> IdsInAsync(string organization, string prefix, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ids.Add(row.GetString(UserIdProperty)!);
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
                var index = await table.GetAsync(organization, TableLayout.UserNameIndex(lookup.Value), cancellationToken).ConfigureAwait(false);
                return index?.GetString(UserIdProperty) is { } id ? [id] : [];
            case IndexKind.UserExternalId:
                // Every user with this externalId (layout 2), and the one a layout-1 row still names.
                var legacy = table.GetAsync(organization, TableLayout.LegacyUserExternalIdIndex(lookup.Value), cancellationToken);
                var ids = await IdsInAsync(organization, TableLayout.UserExternalIdIndexPrefixFor(lookup.Value), cancellationToken).ConfigureAwait(false);
                if ((await legacy.ConfigureAwait(false))?.GetString(UserIdProperty) is { } legacyId)
                {
                    ids.Add(legacyId);
                }

                return ids;
            case IndexKind.Email:
                return await EmailMatchesAsync(organization, lookup.Value.ToUpperInvariant(), cancellationToken).ConfigureAwait(false);
            default:
                return [];
        }
    }

    private async Task<JsonObject> RepresentAsync(ScimRequestContext context, StoredResource user, AttributeSelection selection, CancellationToken cancellationToken)
    {
        var representation = user.ToRepresentation(Users.Name, Location(context, user.Id));
        if (selection.Returns(Users.Resolve(null, "groups")!))
        {
            var groups = await Memberships.GroupsOfUserAsync(table, context.OrganizationId, user.Id, cancellationToken).ConfigureAwait(false);
            if (groups.Count > 0)
            {
                representation["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject
                {
                    ["value"] = g.Id,
                    ["$ref"] = $"{context.BaseUrl}/Groups/{g.Id}",
                    ["display"] = g.DisplayName,
                    ["type"] = "direct",
                })]);
            }
        }

        return selection.Apply(representation);
    }

    private Task<StoredResource?> ReadAsync(string organization, string id, CancellationToken cancellationToken) =>
        ResourceRows.ReadAsync(table, organization, TableLayout.UserPrefix, id, cancellationToken);

    /// <summary>The index rows of a user in a row layout (<see cref="CurrentLayout"/>); the invariant checker expects the same.</summary>
    internal static IEnumerable<TableEntity> IndexRows(string organization, string userId, UserFacts facts, int layout)
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

    private static TableEntity UserRow(string organization, string id, JsonObject document, UserFacts facts, UserSource source, long version, DateTimeOffset created, DateTimeOffset lastModified)
    {
        var row = StoredResource.NewRow(organization, TableLayout.User(id), document, version, created, lastModified);
        row[UserNameProperty] = facts.UserName;
        row[DisplayNameProperty] = facts.DisplayName;
        row[ExternalIdProperty] = facts.ExternalId;
        row[ActiveProperty] = facts.Active;
        row[SourceProperty] = source.ToString();
        row[LayoutProperty] = CurrentLayout;
        return row;
    }

    /// <summary>The row layout a user row was written in: 1 when it has no <c>Layout</c> column.</summary>
    internal static int LayoutOf(TableEntity row) => row.GetInt32(LayoutProperty) ?? 1;

    internal static UserSource SourceOf(TableEntity row) =>
        Enum.TryParse<UserSource>(row.GetString(SourceProperty), out var source) ? source : UserSource.Scim;

    internal static string? DisplayOf(TableEntity row) => row.GetString(DisplayNameProperty) ?? row.GetString(UserNameProperty);

    /// <summary>Seat usage after an activation change, where the write knew the exact totals (organizations with a seat limit).</summary>
    private void LogSeats(string organization, CounterSlot slot, CounterDelta delta)
    {
        if (delta.ActiveUsers != 0 && slot.Totals is { } totals)
        {
            ProvisioningTelemetry.SeatUsage(logger, organization, totals.ActiveUsers + delta.ActiveUsers, totals.MaxSeats ?? -1);
        }
    }

    private static string Location(ScimRequestContext context, string id) => $"{context.BaseUrl}/Users/{id}";

    private static ScimError NotFound(string id) => ResourceRows.NotFound("User", id);

}
