using System.Collections.Concurrent;
using Azure.Data.Tables;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Storage.Groups;
using ScimFunctions.Infrastructure.Storage.Users;

namespace ScimFunctions.Infrastructure.Diagnostics;

/// <summary>What <see cref="OrganizationInvariantChecker"/> found, and what a repair changed.</summary>
public sealed record OrganizationCheck(IReadOnlyList<string> Problems, IReadOnlyList<string> Repairs);

/// <summary>
/// Streams every row of an organization once, in key order, and reports each way in which its rows disagree: totals
/// (organization row plus counter shards) that do not match the users and groups, index rows without their resource or
/// resources without their index rows, membership rows without their pair, their group or their user, unfinished
/// membership changes. Memory stays bounded by a batch of rows: everything a row must agree with is a point read.
/// With repair, it also fixes what it can (<c>scim-admin org repair</c>): finishes intents, removes orphaned pairs, index
/// rows and intents, restores a missing half of a pair or a missing index row, and corrects the totals. Rows with a
/// prefix it does not know are reported and never touched (newer code may have written them).
/// Used after every concurrency and failure test, and usable against a live table.
/// </summary>
public static class OrganizationInvariantChecker
{
    private const int BatchSize = 256;
    private const int ParallelReads = 16;

    public static async Task<IReadOnlyList<string>> CheckAsync(ScimTable table, string organizationId, int maxIndexedEmails = 20, CancellationToken cancellationToken = default) =>
        (await RunAsync(table, organizationId, repair: false, maxIndexedEmails, TimeProvider.System, cancellationToken).ConfigureAwait(false)).Problems;

    public static async Task<OrganizationCheck> RunAsync(
        ScimTable table, string organizationId, bool repair, int maxIndexedEmails, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var run = new Run(table, organizationId, repair, maxIndexedEmails, time);
        await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return new OrganizationCheck(
            [.. run.Problems.Order(StringComparer.Ordinal)],
            [.. run.Repairs.Order(StringComparer.Ordinal)]);
    }

    private sealed class Run(ScimTable table, string organization, bool repair, int maxIndexedEmails, TimeProvider time)
    {
        private readonly ResourceKind _users = ResourceKinds.User(maxIndexedEmails);
        private readonly GroupMembershipWriter _memberships = new(table, time, new ChangeOutbox(table, new UnconfiguredEventQueue(), time, Microsoft.Extensions.Logging.Abstractions.NullLogger<ChangeOutbox>.Instance));
        private long _userCount, _active, _unmanaged, _groups;
        private long _rows;

        public ConcurrentBag<string> Problems { get; } = [];

        public ConcurrentBag<string> Repairs { get; } = [];

        public async Task ExecuteAsync(CancellationToken cancellationToken)
        {
            if (repair)
            {
                // Unfinished membership changes first: finishing them is what their writers would have done.
                foreach (var groupId in await _memberships.PendingGroupsAsync(organization, cancellationToken).ConfigureAwait(false))
                {
                    if (await table.GetAsync(organization, TableLayout.Group(groupId), cancellationToken).ConfigureAwait(false) is { } group
                        && GroupMembershipWriter.IsPending(group))
                    {
                        await _memberships.FinishPendingAsync(organization, groupId, cancellationToken).ConfigureAwait(false);
                        Repairs.Add($"Group {groupId}: finished its unfinished membership change.");
                    }
                }
            }

            var snapshot = await OrganizationCounters.ReadSnapshotAsync(table, organization, cancellationToken).ConfigureAwait(false);
            var batch = new List<TableEntity>(BatchSize);
            await foreach (var row in table.RangeAsync(organization, "\u0001", "\uffff", cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                _rows++;
                batch.Add(row);
                if (batch.Count == BatchSize)
                {
                    await CheckBatchAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            await CheckBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            if (snapshot is null)
            {
                if (_rows > 0)
                {
                    Problems.Add("The organization has rows but no organization row.");
                }

                return;
            }

            await CheckTotalsAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }

        private Task CheckBatchAsync(List<TableEntity> rows, CancellationToken cancellationToken) =>
            Parallel.ForEachAsync(rows.ToArray(), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, CheckRowAsync);

        private async ValueTask CheckRowAsync(TableEntity row, CancellationToken cancellationToken)
        {
            var key = row.RowKey;
            if (key == TableLayout.OrganizationRow || key.StartsWith(TableLayout.CounterShardPrefix, StringComparison.Ordinal))
            {
                return;
            }

            if (key.StartsWith(TableLayout.UserPrefix, StringComparison.Ordinal))
            {
                await CheckUserAsync(row, cancellationToken).ConfigureAwait(false);
            }
            else if (key.StartsWith(TableLayout.GroupPrefix, StringComparison.Ordinal))
            {
                await CheckGroupAsync(row, cancellationToken).ConfigureAwait(false);
            }
            else if (key.StartsWith(TableLayout.MemberPrefix, StringComparison.Ordinal) && Split(key, TableLayout.MemberPrefix) is (var groupId, var userId))
            {
                await CheckPairAsync(row, groupId, userId, TableLayout.Membership(userId, groupId), cancellationToken).ConfigureAwait(false);
            }
            else if (key.StartsWith(TableLayout.MembershipPrefix, StringComparison.Ordinal) && Split(key, TableLayout.MembershipPrefix) is (var user, var group))
            {
                await CheckPairAsync(row, group, user, TableLayout.Member(group, user), cancellationToken).ConfigureAwait(false);
            }
            else if (key.StartsWith(TableLayout.JournalPrefix, StringComparison.Ordinal) || key.StartsWith(TableLayout.JournalRemovalPrefix, StringComparison.Ordinal)
                || key == TableLayout.MassChangeAlertRow)
            {
                // The activity journal and the mass-change guard's last alert: records, not state to agree with.
                if (key.StartsWith(TableLayout.JournalPrefix, StringComparison.Ordinal) && row.GetString("Code") is null)
                {
                    Problems.Add($"Journal row '{key}' has no reference code.");
                }
            }
            else if (key.StartsWith(TableLayout.DeletedUserPrefix, StringComparison.Ordinal))
            {
                await CheckDeletedUserAsync(row, cancellationToken).ConfigureAwait(false);
            }
            else if (key.StartsWith(TableLayout.DeletedUserMatchPrefix, StringComparison.Ordinal))
            {
                await CheckDeletedMatchAsync(row, cancellationToken).ConfigureAwait(false);
            }
            else if (key.StartsWith(TableLayout.OutboxPrefix, StringComparison.Ordinal))
            {
                // A change event not yet handed to the queue: committed with its change, sent by the dispatcher.
                if (row.GetString(ChangeEventRows.BodyProperty) is null)
                {
                    Problems.Add($"Outbox row '{key}' has no event body.");
                }
            }
            else if (key.StartsWith(TableLayout.IntentPrefix, StringComparison.Ordinal))
            {
                await CheckIntentAsync(row, cancellationToken).ConfigureAwait(false);
            }
            else if (KindOfIndex(key) is { } kind)
            {
                await CheckIndexAsync(row, kind, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Problems.Add($"Row '{key}' has a prefix this version does not know (left alone).");
            }
        }

        private ResourceKind? KindOfIndex(string key) =>
            new[] { _users, ResourceKinds.Group }.FirstOrDefault(k => k.IndexPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)));

        private async Task CheckUserAsync(TableEntity row, CancellationToken cancellationToken)
        {
            var user = TableResources.Read(row, TableLayout.UserPrefix);
            var facts = UserFacts.From(user.Document, maxIndexedEmails);
            Interlocked.Increment(ref _userCount);
            if (facts.Active)
            {
                Interlocked.Increment(ref _active);
            }

            if (UserRows.SourceOf(row) != UserSource.Scim)
            {
                Interlocked.Increment(ref _unmanaged);
            }

            if (row.GetBoolean("Active") != facts.Active)
            {
                Problems.Add($"User {user.Id}: the Active column disagrees with the document.");
            }

            foreach (var index in _users.IndexRows(organization, user))
            {
                await ExpectIndexAsync(index, _users, user.Id, $"User {user.Id}: index {index.RowKey[..2]}", cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task CheckGroupAsync(TableEntity row, CancellationToken cancellationToken)
        {
            var group = TableResources.Read(row, TableLayout.GroupPrefix);
            Interlocked.Increment(ref _groups);
            foreach (var index in ResourceKinds.Group.IndexRows(organization, group))
            {
                await ExpectIndexAsync(index, ResourceKinds.Group, group.Id, $"Group {group.Id}: index {index.RowKey[..2]}", cancellationToken).ConfigureAwait(false);
            }

            if (group.Document.ContainsKey("members"))
            {
                Problems.Add($"Group {group.Id}: members are stored in the group row.");
            }

            if (GroupMembershipWriter.IsPending(row)
                && await table.GetAsync(organization, TableLayout.Intent(group.Id), cancellationToken).ConfigureAwait(false) is null)
            {
                Problems.Add($"Group {group.Id}: marked as changing its members, but the intent row is missing.");
            }
        }

        /// <summary>A resource's index row must exist and name it; a missing one is added back unless another holds the key.</summary>
        private async Task ExpectIndexAsync(TableEntity expected, ResourceKind kind, string id, string what, CancellationToken cancellationToken)
        {
            var index = await table.GetAsync(organization, expected.RowKey, cancellationToken).ConfigureAwait(false);
            if (index is null)
            {
                Problems.Add($"{what} row is missing.");
                if (repair && await TrySubmitAsync(new TableTransactionAction(TableTransactionActionType.Add, expected), cancellationToken).ConfigureAwait(false))
                {
                    Repairs.Add($"{what} row added.");
                }
            }
            else if (index.GetString(kind.IndexIdProperty) != id)
            {
                Problems.Add($"{what} row points to {index.GetString(kind.IndexIdProperty)}.");
            }
        }

        /// <summary>An index row must name a resource that has it; a stray one is removed.</summary>
        private async Task CheckIndexAsync(TableEntity row, ResourceKind kind, CancellationToken cancellationToken)
        {
            var id = row.GetString(kind.IndexIdProperty);
            var resource = id is null ? null : await TableResources.ReadAsync(table, organization, kind.Prefix, id, cancellationToken).ConfigureAwait(false);
            if (resource is not null && kind.IndexRows(organization, resource).Any(r => r.RowKey == row.RowKey))
            {
                return;
            }

            Problems.Add($"Row '{row.RowKey}' belongs to no resource (an orphaned or stale index row).");
            if (repair && await TrySubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag), cancellationToken).ConfigureAwait(false))
            {
                Repairs.Add($"Index row '{row.RowKey}' removed.");
            }
        }

        private async Task CheckPairAsync(TableEntity row, string groupId, string userId, string otherHalf, CancellationToken cancellationToken)
        {
            var reads = new[]
            {
                table.GetAsync(organization, otherHalf, cancellationToken),
                table.GetAsync(organization, TableLayout.Group(groupId), cancellationToken),
                table.GetAsync(organization, TableLayout.User(userId), cancellationToken),
            };
            var found = await Task.WhenAll(reads).ConfigureAwait(false);
            var (other, group, user) = (found[0], found[1], found[2]);
            var userSide = row.RowKey.StartsWith(TableLayout.MembershipPrefix, StringComparison.Ordinal);
            if (user is null && userSide && group is not null
                && await table.GetAsync(organization, TableLayout.DeletedUser(userId), cancellationToken).ConfigureAwait(false) is not null)
            {
                // A deleted user's membership, kept for its restore; its group no longer lists it.
                if (other is not null)
                {
                    Problems.Add($"Deleted user {userId} is still listed by group {groupId}.");
                    if (repair && await TrySubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, other, other.ETag), cancellationToken).ConfigureAwait(false))
                    {
                        Repairs.Add($"Group {groupId} no longer lists deleted user {userId}.");
                    }
                }

                return;
            }

            if (group is null || user is null)
            {
                Problems.Add(group is null
                    ? $"Membership of user {userId} names group {groupId}, which does not exist."
                    : $"Membership in group {groupId} names user {userId}, which does not exist.");
                if (repair && await TrySubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag), cancellationToken).ConfigureAwait(false))
                {
                    Repairs.Add($"Membership row '{row.RowKey}' of a deleted {(group is null ? "group" : "user")} removed.");
                }

                return;
            }

            if (other is null)
            {
                var side = row.RowKey.StartsWith(TableLayout.MemberPrefix, StringComparison.Ordinal) ? "its user-side row" : "its group-side row";
                Problems.Add($"Membership of user {userId} in group {groupId} lacks {side}.");
                if (repair)
                {
                    var missing = new TableEntity(organization, otherHalf);
                    if (otherHalf.StartsWith(TableLayout.MemberPrefix, StringComparison.Ordinal))
                    {
                        missing[Memberships.DisplayProperty] = UserRows.DisplayOf(user);
                    }

                    // Added only while the user is unchanged (the pair needs its user), else left to the next run.
                    if (await TrySubmitAsync(
                            [
                                new TableTransactionAction(TableTransactionActionType.Add, missing),
                                new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, user.RowKey), user.ETag),
                            ],
                            cancellationToken).ConfigureAwait(false))
                    {
                        Repairs.Add($"Membership of user {userId} in group {groupId}: {side} added.");
                    }
                }
            }
        }

        /// <summary>A deleted user must not also be a user, and must be findable for a restore when it has an externalId.</summary>
        private async Task CheckDeletedUserAsync(TableEntity row, CancellationToken cancellationToken)
        {
            var id = row.RowKey[TableLayout.DeletedUserPrefix.Length..];
            if (await table.GetAsync(organization, TableLayout.User(id), cancellationToken).ConfigureAwait(false) is not null)
            {
                Problems.Add($"User {id} is both a user and a deleted user.");
                return;
            }

            var facts = UserFacts.From(TableResources.Read(row, TableLayout.DeletedUserPrefix).Document, maxIndexedEmails);
            if (facts.ExternalId is { } externalId
                && (await table.GetAsync(organization, TableLayout.DeletedUserMatch(facts.UserName, externalId), cancellationToken).ConfigureAwait(false))?.GetString("UserIds") is var ids
                && (ids is null || !ids.Split(',').Contains(id, StringComparer.Ordinal)))
            {
                Problems.Add($"Deleted user {id}: its restore match row is missing.");
            }
        }

        /// <summary>Every id of a restore match row must be a deleted user.</summary>
        private async Task CheckDeletedMatchAsync(TableEntity row, CancellationToken cancellationToken)
        {
            foreach (var id in (row.GetString("UserIds") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (await table.GetAsync(organization, TableLayout.DeletedUser(id), cancellationToken).ConfigureAwait(false) is null)
                {
                    Problems.Add($"Restore match row '{row.RowKey}' names {id}, which is not a deleted user.");
                }
            }
        }

        private async Task CheckIntentAsync(TableEntity row, CancellationToken cancellationToken)
        {
            var groupId = row.RowKey[TableLayout.IntentPrefix.Length..];
            var group = await table.GetAsync(organization, TableLayout.Group(groupId), cancellationToken).ConfigureAwait(false);
            var pending = group?.GetString(GroupMembershipWriter.PendingProperty);
            if (group is not null && string.Equals(pending, row.GetString("IntentId"), StringComparison.Ordinal))
            {
                Problems.Add($"Group {groupId}: a membership change is unfinished.");
                return;
            }

            Problems.Add($"Intent row '{row.RowKey}' belongs to no unfinished change of an existing group.");
            if (repair && await TrySubmitAsync(new TableTransactionAction(TableTransactionActionType.Delete, row, row.ETag), cancellationToken).ConfigureAwait(false))
            {
                Repairs.Add($"Intent row '{row.RowKey}' removed.");
            }
        }

        /// <summary>Totals must equal what was counted; a repair moves the organization row's base by the difference.</summary>
        private async Task CheckTotalsAsync(OrganizationSnapshot snapshot, CancellationToken cancellationToken)
        {
            var totals = snapshot.Totals;
            var differences = new CounterDelta(
                Users: _userCount - totals.Users,
                ActiveUsers: _active - totals.ActiveUsers,
                UnmanagedUsers: _unmanaged - totals.UnmanagedUsers,
                Groups: _groups - totals.Groups);
            Compare("Users", totals.Users, _userCount);
            Compare("ActiveUsers", totals.ActiveUsers, _active);
            Compare("UnmanagedUsers", totals.UnmanagedUsers, _unmanaged);
            Compare("Groups", totals.Groups, _groups);
            if (totals.MaxSeats is { } max && _active > max)
            {
                Problems.Add($"{_active} active users exceed the seat limit of {max}.");
            }

            if (repair && !differences.IsZero)
            {
                var row = snapshot.Row;
                var update = new TableEntity(organization, TableLayout.OrganizationRow)
                {
                    [OrganizationRow.Users] = (row.GetInt64(OrganizationRow.Users) ?? 0) + differences.Users,
                    [OrganizationRow.ActiveUsers] = (row.GetInt64(OrganizationRow.ActiveUsers) ?? 0) + differences.ActiveUsers,
                    [OrganizationRow.UnmanagedUsers] = (row.GetInt64(OrganizationRow.UnmanagedUsers) ?? 0) + differences.UnmanagedUsers,
                    [OrganizationRow.Groups] = (row.GetInt64(OrganizationRow.Groups) ?? 0) + differences.Groups,
                };
                if (await TrySubmitAsync(new TableTransactionAction(TableTransactionActionType.UpdateMerge, update, row.ETag), cancellationToken).ConfigureAwait(false))
                {
                    Repairs.Add($"Totals corrected to {_userCount} users ({_active} active, {_unmanaged} unmanaged) and {_groups} groups.");
                }
                else
                {
                    Repairs.Add("Totals not corrected: the organization changed during the check; run the repair again when it is quiet.");
                }
            }

            void Compare(string counter, long stored, long actual)
            {
                if (stored != actual)
                {
                    Problems.Add($"Counter {counter} is {stored} but the organization has {actual}.");
                }
            }
        }

        private Task<bool> TrySubmitAsync(TableTransactionAction action, CancellationToken cancellationToken) => TrySubmitAsync([action], cancellationToken);

        /// <summary>A repair is conditional on what was read; one that lost to a concurrent change is left for the next run.</summary>
        private async Task<bool> TrySubmitAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken)
        {
            try
            {
                await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
            {
                return false;
            }
        }

        private static (string First, string Second)? Split(string key, string prefix)
        {
            var parts = key[prefix.Length..].Split(':');
            return parts.Length == 2 ? (parts[0], parts[1]) : null;
        }
    }
}
