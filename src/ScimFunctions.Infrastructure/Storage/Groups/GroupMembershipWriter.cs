using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Organizations;

namespace ScimFunctions.Infrastructure.Storage.Groups;

/// <summary>A member to add: the user's id, the display name to store, and the version of the user row that was read.</summary>
internal sealed record MemberToAdd(string UserId, string? Display, ETag UserETag)
{
    public static MemberToAdd From(MemberAddition addition) => new(addition.UserId, addition.Display, ((RowHandle)addition.User).Row.ETag);
}

/// <summary>
/// Commits a group's rows together with a membership change of any size (docs/storage.md, "Membership changes").
/// <list type="bullet">
/// <item>Every added pair is written in a transaction that also merges into its user's row under the ETag it was read
///   with: a pair can only be written while its user exists (a DELETE of the user then fails its own ETag check, reads
///   again and removes the new pair too).</item>
/// <item>A change that fits in one transaction commits with the group row. A larger one writes, in the group's own
///   transaction, an intent row <c>i:{group}</c> holding every pair operation and marks the group row
///   <c>Pending</c>; the pairs then follow a transaction at a time, each advancing the intent's <c>Done</c> under its
///   ETag, and the last one deletes the intent and clears the mark. Whoever finds the mark finishes the intent first:
///   the retried request, the next write to the group, or <c>scim-admin org repair</c>. The change is never half-applied
///   without a durable record of the rest.</item>
/// </list>
/// </summary>
internal sealed class GroupMembershipWriter(ScimTable table, TimeProvider time, ChangeOutbox outbox)
{
    public const string PendingProperty = "Pending";
    private const string DoneProperty = "Done";
    private const string IntentIdProperty = "IntentId";
    private const string CreatedProperty = "Created";
    private const string NameProperty = "DisplayName";
    private const string ExternalIdProperty = "ExternalId";
    private const string VersionProperty = "Version";
    private const int AddActions = 3;
    private const int RemoveActions = 2;

    /// <summary>Point reads of one request in flight at once.</summary>
    private const int ParallelReads = 16;

    /// <summary>Whether a group row carries an unfinished membership change.</summary>
    public static bool IsPending(TableEntity groupRow) => !string.IsNullOrEmpty(groupRow.GetString(PendingProperty));

    /// <summary>
    /// Commits <paramref name="groupActions"/> (the group row first, then its index rows), the counter slot's action and
    /// the membership change. A conflict of the group's own transaction (409, 412, 404) is thrown for the caller to
    /// decide; once it has committed, the change is finished here, or left as an intent when time runs out.
    /// </summary>
    public async Task CommitAsync(
        string organization,
        string groupId,
        List<TableTransactionAction> groupActions,
        CounterSlot? slot,
        MembershipPlan plan,
        IReadOnlyList<ChangeEvent> events,
        GroupIdentity group,
        CancellationToken cancellationToken)
    {
        await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
        var counterActions = slot?.Action is null ? 0 : 1;
        var memberEventCount = (plan.Adds.Count > 0 ? 1 : 0) + (plan.Removes.Count > 0 ? 1 : 0);
        var room = StorageLimits.MaxTransactionActions - groupActions.Count - counterActions - events.Count - memberEventCount;
        var cost = (plan.Adds.Count * AddActions) + (plan.Removes.Count * RemoveActions);
        var actions = new List<TableTransactionAction>(groupActions);
        actions.AddRange(events.Select(e => e.Row()));
        if (cost <= room)
        {
            foreach (var remove in plan.Removes)
            {
                actions.AddRange(Memberships.Remove(organization, groupId, remove));
            }

            foreach (var add in plan.Adds)
            {
                actions.AddRange(AddActionsFor(organization, groupId, MemberToAdd.From(add)));
            }

            var memberEvents = MemberEvents(organization, groupId, group, plan.Adds.Select(a => a.UserId), plan.Removes).ToList();
            actions.AddRange(memberEvents.Select(e => e.Row()));
            await SubmitAsync(actions, slot, cancellationToken).ConfigureAwait(false);
            outbox.Committed(events.Concat(memberEvents));
            return;
        }

        var intentId = Guid.NewGuid().ToString("N");
        ((TableEntity)groupActions[0].Entity)[PendingProperty] = intentId;
        actions[0] = new TableTransactionAction(groupActions[0].ActionType, groupActions[0].Entity, groupActions[0].ETag);
        var operations = plan.Removes.Select(r => new Operation(false, r, null))
            .Concat(plan.Adds.Select(a => new Operation(true, a.UserId, a.Display)))
            .ToList();
        var intent = new TableEntity(organization, TableLayout.Intent(groupId))
        {
            [IntentIdProperty] = intentId,
            [DoneProperty] = 0,
            [CreatedProperty] = time.GetUtcNow(),
            [NameProperty] = group.DisplayName,
            [ExternalIdProperty] = group.ExternalId,
            [VersionProperty] = group.Version,
        };
        DocumentColumns.Write(intent, Serialize(operations));
        var intentIndex = actions.Count;
        actions.Add(new TableTransactionAction(TableTransactionActionType.Add, intent));
        var responses = await SubmitAsync(actions, slot, cancellationToken).ConfigureAwait(false);
        outbox.Committed(events);
        var etag = intentIndex < responses.Count && responses[intentIndex].Headers.ETag is { } committed ? committed : (ETag?)null;
        var known = plan.Adds.ToDictionary(a => a.UserId, a => MemberToAdd.From(a).UserETag, StringComparer.Ordinal);
        await FinishAsync(organization, groupId, new IntentState(intentId, operations, 0, etag, group), known, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The events of a membership change: one for the members added, one for those removed.</summary>
    private IEnumerable<ChangeEvent> MemberEvents(string organization, string groupId, GroupIdentity group, IEnumerable<string> added, IEnumerable<string> removed)
    {
        var adds = added.ToList();
        var removes = removed.ToList();
        if (adds.Count > 0)
        {
            yield return ChangeEvent.Create(time, ChangeEventTypes.MembersAdded, organization, "Group", groupId, group.ExternalId, group.DisplayName, ["members"], group.Version, adds);
        }

        if (removes.Count > 0)
        {
            yield return ChangeEvent.Create(time, ChangeEventTypes.MembersRemoved, organization, "Group", groupId, group.ExternalId, group.DisplayName, ["members"], group.Version, removes);
        }
    }

    /// <summary>Finishes the group's unfinished membership change, if it has one; true when there was one.</summary>
    public async Task<bool> FinishPendingAsync(string organization, string groupId, CancellationToken cancellationToken)
    {
        var state = await ReadIntentAsync(organization, groupId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            // Finished by someone else, or a mark left without its intent (not written by this code): clear the mark.
            await ClearMarkAsync(organization, groupId, cancellationToken).ConfigureAwait(false);
            return false;
        }

        await FinishAsync(organization, groupId, state, null, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The groups of an organization with an unfinished membership change (for repair).</summary>
    public async Task<List<string>> PendingGroupsAsync(string organization, CancellationToken cancellationToken)
    {
        var groups = new List<string>();
        await foreach (var row in table.RangeAsync(organization, TableLayout.IntentPrefix, TableLayout.PrefixEnd(TableLayout.IntentPrefix), select: ["RowKey"], cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            groups.Add(row.RowKey[TableLayout.IntentPrefix.Length..]);
        }

        return groups;
    }

    private async Task<IReadOnlyList<Response>> SubmitAsync(List<TableTransactionAction> actions, CounterSlot? slot, CancellationToken cancellationToken)
    {
        slot?.AddTo(actions);
        try
        {
            var responses = await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
            slot?.Committed(responses);
            return responses;
        }
        catch (TableTransactionFailedException e) when (slot?.Failed(e) == true)
        {
            throw new StaleWriteException(e);
        }
    }

    private async Task FinishAsync(string organization, string groupId, IntentState state, Dictionary<string, ETag>? known, CancellationToken cancellationToken)
    {
        known ??= new Dictionary<string, ETag>(StringComparer.Ordinal);
        var skipped = new HashSet<int>();
        while (true)
        {
            if (state.ETag is null)
            {
                var current = await ReadIntentAsync(organization, groupId, cancellationToken).ConfigureAwait(false);
                if (current is null || current.Id != state.Id)
                {
                    // Finished (by another finisher), or the group was deleted; a newer intent is its writer's to finish.
                    return;
                }

                state = current;
            }

            var operations = state.Operations;
            if (state.Done >= operations.Count)
            {
                if (await CompleteAsync(organization, groupId, state.ETag!.Value, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                state = state with { ETag = null };
                continue;
            }

            // The next chunk: as many operations as fit beside the intent's own update.
            var end = state.Done;
            var budget = StorageLimits.MaxTransactionActions - 3;
            while (end < operations.Count && budget >= (operations[end].IsAdd ? AddActions : RemoveActions))
            {
                budget -= operations[end].IsAdd ? AddActions : RemoveActions;
                end++;
            }

            var chunk = Enumerable.Range(state.Done, end - state.Done).Where(i => !skipped.Contains(i)).ToList();
            await ReadUnknownUsersAsync(organization, chunk.Where(i => operations[i].IsAdd).Select(i => operations[i].UserId), known, skipped, operations, cancellationToken)
                .ConfigureAwait(false);
            chunk.RemoveAll(skipped.Contains);

            var actions = new List<TableTransactionAction>();
            var owners = new List<int>();
            foreach (var i in chunk)
            {
                var operation = operations[i];
                var added = operation.IsAdd
                    ? AddActionsFor(organization, groupId, new MemberToAdd(operation.UserId, operation.Display, known[operation.UserId]))
                    : Memberships.Remove(organization, groupId, operation.UserId);
                foreach (var action in added)
                {
                    actions.Add(action);
                    owners.Add(i);
                }
            }

            // The chunk's change events ride in its transaction.
            var chunkEvents = MemberEvents(
                organization, groupId, state.Group,
                chunk.Where(i => operations[i].IsAdd).Select(i => operations[i].UserId),
                chunk.Where(i => !operations[i].IsAdd).Select(i => operations[i].UserId)).ToList();
            actions.AddRange(chunkEvents.Select(e => e.Row()));
            owners.AddRange(chunkEvents.Select(_ => -1));
            var intentIndex = actions.Count;
            actions.Add(new TableTransactionAction(
                TableTransactionActionType.UpdateMerge,
                new TableEntity(organization, TableLayout.Intent(groupId)) { [DoneProperty] = end },
                state.ETag!.Value));
            try
            {
                await outbox.MarkAsync(organization, cancellationToken).ConfigureAwait(false);
                var responses = await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
                outbox.Committed(chunkEvents);
                state = state with
                {
                    Done = end,
                    ETag = intentIndex < responses.Count && responses[intentIndex].Headers.ETag is { } etag ? etag : null,
                };
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
            {
                var failed = e.FailedTransactionActionIndex;
                if (failed is null || failed == intentIndex)
                {
                    // Another finisher advanced the intent, or it is gone (finished, or the group was deleted): read it.
                    state = state with { ETag = null };
                    continue;
                }

                var operation = owners[failed.Value];
                if (operation < 0)
                {
                    state = state with { ETag = null };
                    continue;
                }

                if (operations[operation].IsAdd && e.Status == 412)
                {
                    // The user changed since it was read: read it again.
                    known.Remove(operations[operation].UserId);
                }
                else
                {
                    // The user is gone (no pair may name it), or the pair to remove is already gone.
                    skipped.Add(operation);
                }
            }
        }
    }

    private async Task ReadUnknownUsersAsync(
        string organization, IEnumerable<string> userIds, Dictionary<string, ETag> known, HashSet<int> skipped, IReadOnlyList<Operation> operations, CancellationToken cancellationToken)
    {
        var unknown = userIds.Where(u => !known.ContainsKey(u)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        var found = new System.Collections.Concurrent.ConcurrentDictionary<string, ETag>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(unknown, new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (userId, token) =>
        {
            if (await table.GetAsync(organization, TableLayout.User(userId), token).ConfigureAwait(false) is { } row)
            {
                found[userId] = row.ETag;
            }
        }).ConfigureAwait(false);

        for (var i = 0; i < operations.Count; i++)
        {
            var userId = operations[i].UserId;
            if (!operations[i].IsAdd || !unknown.Contains(userId))
            {
                continue;
            }

            if (found.TryGetValue(userId, out var etag))
            {
                known[userId] = etag;
            }
            else
            {
                skipped.Add(i);
            }
        }
    }

    /// <summary>The last step: the intent goes and the group's mark is cleared; false when the intent changed meanwhile.</summary>
    private async Task<bool> CompleteAsync(string organization, string groupId, ETag intentETag, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Intent(groupId)), intentETag),
                    new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, TableLayout.Group(groupId)) { [PendingProperty] = string.Empty }, ETag.All),
                ],
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    private async Task ClearMarkAsync(string organization, string groupId, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitAsync(
                [new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, TableLayout.Group(groupId)) { [PendingProperty] = string.Empty }, ETag.All)],
                cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
        }
    }

    private async Task<IntentState?> ReadIntentAsync(string organization, string groupId, CancellationToken cancellationToken)
    {
        var row = await table.GetAsync(organization, TableLayout.Intent(groupId), cancellationToken).ConfigureAwait(false);
        return row is null
            ? null
            : new IntentState(
                row.GetString(IntentIdProperty) ?? string.Empty,
                Deserialize(DocumentColumns.Read(row)),
                row.GetInt32(DoneProperty) ?? 0,
                row.ETag,
                new GroupIdentity(row.GetString(NameProperty) ?? string.Empty, row.GetString(ExternalIdProperty), row.GetInt64(VersionProperty) ?? 0));
    }

    /// <summary>A pair's two rows, and a merge into the user's row under the version that was read: the pair needs its user.</summary>
    private static IEnumerable<TableTransactionAction> AddActionsFor(string organization, string groupId, MemberToAdd member)
    {
        foreach (var action in Memberships.Add(organization, groupId, member.UserId, member.Display))
        {
            yield return action;
        }

        yield return new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, TableLayout.User(member.UserId)), member.UserETag);
    }

    private static JsonObject Serialize(IEnumerable<Operation> operations) => new()
    {
        ["ops"] = new JsonArray([.. operations.Select(o => (JsonNode)(o.IsAdd
            ? new JsonArray("+", o.UserId, o.Display)
            : new JsonArray("-", o.UserId)))]),
    };

    private static List<Operation> Deserialize(JsonObject document) =>
        [.. (document["ops"] as JsonArray ?? []).OfType<JsonArray>().Select(o => new Operation(
            (string?)o[0] == "+",
            (string)o[1]!,
            o.Count > 2 ? (string?)o[2] : null))];

    private sealed record Operation(bool IsAdd, string UserId, string? Display);

    private sealed record IntentState(string Id, IReadOnlyList<Operation> Operations, int Done, ETag? ETag, GroupIdentity Group);
}
