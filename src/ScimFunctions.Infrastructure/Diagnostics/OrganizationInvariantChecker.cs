using Azure.Data.Tables;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Diagnostics;

/// <summary>
/// Reads every row of an organization and reports each way in which its rows disagree: counters that do not match
/// the users and groups, index rows without their resource or resources without their index rows, and membership
/// rows without their pair, their group or their user. An empty list means the organization is consistent.
/// Used after every concurrency and failure test, and usable against a live table.
/// </summary>
public static class OrganizationInvariantChecker
{
    public static async Task<IReadOnlyList<string>> CheckAsync(ScimTable table, string organizationId, int maxIndexedEmails = 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in table.RangeAsync(organizationId, "\u0001", "\uffff", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows[row.RowKey] = row;
        }

        var problems = new List<string>();
        if (!rows.TryGetValue(TableLayout.OrganizationRow, out var orgRow))
        {
            if (rows.Count > 0)
            {
                problems.Add("The organization has rows but no organization row.");
            }

            return problems;
        }

        var expected = new HashSet<string>(StringComparer.Ordinal) { TableLayout.OrganizationRow };
        var shards = rows.Values.Where(r => r.RowKey.StartsWith(TableLayout.CounterShardPrefix, StringComparison.Ordinal)).ToList();
        expected.UnionWith(shards.Select(r => r.RowKey));
        var users = rows.Values.Where(r => r.RowKey.StartsWith(TableLayout.UserPrefix, StringComparison.Ordinal)).ToList();
        var groups = rows.Values.Where(r => r.RowKey.StartsWith(TableLayout.GroupPrefix, StringComparison.Ordinal)).ToList();
        long active = 0, unmanaged = 0;
        foreach (var row in users)
        {
            var user = StoredResource.Read(row, TableLayout.UserPrefix);
            expected.Add(row.RowKey);
            var facts = UserFacts.From(user.Document, maxIndexedEmails);
            active += facts.Active ? 1 : 0;
            unmanaged += UserService.SourceOf(row) != UserSource.Scim ? 1 : 0;
            if (row.GetBoolean("Active") != facts.Active)
            {
                problems.Add($"User {user.Id}: the Active column disagrees with the document.");
            }

            foreach (var index in UserService.IndexRows(organizationId, user.Id, facts, UserService.LayoutOf(row)))
            {
                ExpectIndex(index.RowKey, "UserId", user.Id, $"User {user.Id}: index {index.RowKey[..2]}");
            }
        }

        foreach (var row in groups)
        {
            var group = StoredResource.Read(row, TableLayout.GroupPrefix);
            expected.Add(row.RowKey);
            var name = group.Document["displayName"]?.GetValue<string>() ?? string.Empty;
            ExpectIndex(TableLayout.GroupNameIndex(name), "GroupId", group.Id, $"Group {group.Id}: displayName index");
            if (group.Document["externalId"]?.GetValue<string>() is { } externalId)
            {
                ExpectIndex(TableLayout.GroupExternalIdIndex(externalId, group.Id), "GroupId", group.Id, $"Group {group.Id}: externalId index");
            }

            if (GroupMembershipWriter.IsPending(row))
            {
                ExpectIndex(TableLayout.Intent(group.Id), "IntentId", row.GetString(GroupMembershipWriter.PendingProperty)!, $"Group {group.Id}: the intent of its unfinished membership change");
            }

            if (group.Document.ContainsKey("members"))
            {
                problems.Add($"Group {group.Id}: members are stored in the group row.");
            }
        }

        foreach (var row in rows.Values.Where(r => r.RowKey.StartsWith(TableLayout.MemberPrefix, StringComparison.Ordinal)))
        {
            var parts = row.RowKey[TableLayout.MemberPrefix.Length..].Split(':');
            expected.Add(row.RowKey);
            CheckPair(parts[0], parts[1], TableLayout.Membership(parts[1], parts[0]), "its user-side row");
        }

        foreach (var row in rows.Values.Where(r => r.RowKey.StartsWith(TableLayout.MembershipPrefix, StringComparison.Ordinal)))
        {
            var parts = row.RowKey[TableLayout.MembershipPrefix.Length..].Split(':');
            expected.Add(row.RowKey);
            CheckPair(parts[1], parts[0], TableLayout.Member(parts[1], parts[0]), "its group-side row");
        }

        foreach (var stray in rows.Keys.Where(k => !expected.Contains(k)))
        {
            problems.Add($"Row '{stray}' belongs to no resource (an orphaned or stale index row).");
        }

        var counted = shards.Append(orgRow).ToList();
        var counters = OrganizationRow.Read(orgRow) with
        {
            Users = counted.Sum(r => r.GetInt64(OrganizationRow.Users) ?? 0),
            ActiveUsers = counted.Sum(r => r.GetInt64(OrganizationRow.ActiveUsers) ?? 0),
            UnmanagedUsers = counted.Sum(r => r.GetInt64(OrganizationRow.UnmanagedUsers) ?? 0),
            Groups = counted.Sum(r => r.GetInt64(OrganizationRow.Groups) ?? 0),
        };
        Compare("Users", counters.Users, users.Count);
        Compare("ActiveUsers", counters.ActiveUsers, active);
        Compare("UnmanagedUsers", counters.UnmanagedUsers, unmanaged);
        Compare("Groups", counters.Groups, groups.Count);
        if (counters.MaxSeats is { } max && counters.ActiveUsers > max)
        {
            problems.Add($"{counters.ActiveUsers} active users exceed the seat limit of {max}.");
        }

        return problems;

        void ExpectIndex(string rowKey, string property, string id, string what)
        {
            expected.Add(rowKey);
            if (!rows.TryGetValue(rowKey, out var index))
            {
                problems.Add($"{what} row is missing.");
            }
            else if (index.GetString(property) != id)
            {
                problems.Add($"{what} row points to {index.GetString(property)}.");
            }
        }

        void CheckPair(string groupId, string userId, string pairKey, string what)
        {
            if (!rows.ContainsKey(pairKey))
            {
                problems.Add($"Membership of user {userId} in group {groupId} lacks {what}.");
            }

            if (!rows.ContainsKey(TableLayout.Group(groupId)))
            {
                problems.Add($"Membership of user {userId} names group {groupId}, which does not exist.");
            }

            if (!rows.ContainsKey(TableLayout.User(userId)))
            {
                problems.Add($"Membership in group {groupId} names user {userId}, which does not exist.");
            }
        }

        void Compare(string counter, long stored, long actual)
        {
            if (stored != actual)
            {
                problems.Add($"Counter {counter} is {stored} but the organization has {actual}.");
            }
        }
    }
}
