using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Storage.Users;

namespace ScimFunctions.Infrastructure.Migrations;

/// <summary>What <see cref="OrganizationMigration"/> did to one organization.</summary>
public sealed record MigrationReport(string OrganizationId, int UsersMigrated, int UsersAlreadyCurrent, int JournalRowsMoved = 0);

/// <summary>
/// Brings an organization's rows to the layout this code writes (<c>scim-admin org migrate</c>). Idempotent: a row
/// already in the current layout is left alone, so a second run changes nothing, and it is safe while the endpoint
/// serves the organization (each user moves in one transaction, conditional on the row it read).
/// <list type="bullet">
/// <item>Layout 1 → 2: the unique externalId index row <c>x:{hash}</c> becomes a per-user row <c>x:{hash}:{id}</c>,
///   and the user row gets <c>Layout = 2</c>.</item>
/// <item>Journal rows (<c>j:</c>, <c>jr:</c>) written in the organization's partition move to its journal partition
///   (<see cref="TableLayout.JournalPartition"/>); readers accept both meanwhile.</item>
/// </list>
/// </summary>
public static class OrganizationMigration
{
    private const int MaxAttempts = 16;

    public static async Task<MigrationReport> MigrateAsync(ScimTable table, string organizationId, int maxIndexedEmails = 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        int migrated = 0, current = 0;
        await foreach (var row in table.RangeAsync(organizationId, TableLayout.UserPrefix, TableLayout.PrefixEnd(TableLayout.UserPrefix), cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            if (await MigrateUserAsync(table, row, maxIndexedEmails, cancellationToken).ConfigureAwait(false))
            {
                migrated++;
            }
            else
            {
                current++;
            }
        }

        var journalMoved = await new Journal.ActivityJournal(table, TimeProvider.System).MoveLegacyRowsAsync(organizationId, cancellationToken).ConfigureAwait(false);
        return new MigrationReport(organizationId, migrated, current, journalMoved);
    }

    /// <summary>True when the user was moved to the current layout; false when it was there already.</summary>
    private static async Task<bool> MigrateUserAsync(ScimTable table, TableEntity row, int maxIndexedEmails, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (UserRows.LayoutOf(row) >= UserRows.CurrentLayout)
            {
                return false;
            }

            var user = TableResources.Read(row, TableLayout.UserPrefix);
            var facts = UserFacts.From(user.Document, maxIndexedEmails);
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateMerge, new TableEntity(row.PartitionKey, row.RowKey) { ["Layout"] = UserRows.CurrentLayout }, row.ETag),
            };
            if (facts.ExternalId is not null)
            {
                var legacyKey = TableLayout.LegacyUserExternalIdIndex(facts.ExternalId);
                var legacy = await table.GetAsync(row.PartitionKey, legacyKey, cancellationToken).ConfigureAwait(false);
                if (legacy is not null && string.Equals(legacy.GetString("UserId"), user.Id, StringComparison.Ordinal))
                {
                    actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, legacy, legacy.ETag));
                }

                actions.Add(new TableTransactionAction(
                    TableTransactionActionType.UpsertReplace,
                    new TableEntity(row.PartitionKey, TableLayout.UserExternalIdIndex(facts.ExternalId, user.Id)) { ["UserId"] = user.Id }));
            }

            try
            {
                await table.SubmitAsync(actions, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TableTransactionFailedException e) when (e.Status is 412 or 404 && attempt < MaxAttempts)
            {
                // The user changed (or went) while it was read: read it again; a write by current code moved it already.
                var fresh = await table.GetAsync(row.PartitionKey, row.RowKey, cancellationToken).ConfigureAwait(false);
                if (fresh is null)
                {
                    return false;
                }

                row = fresh;
            }
        }
    }
}
