using Azure.Data.Tables;
using ScimFunctions.Application.Events;
using ScimFunctions.Infrastructure.Journal;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;

namespace ScimFunctions.Infrastructure.Tests.Journal;

/// <summary>
/// The journal's rows: the mass-change guard counts a window from the removal rows of deactivations and deletes, not
/// from every write in it, and the purge takes both kinds of row.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ActivityJournalStorageTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_guard_counts_removal_rows_only_and_the_purge_removes_both_kinds()
    {
        var (table, time, journal) = await JournalAsync(DateTimeOffset.UtcNow);
        var org = NewOrganization();
        var start = time.GetUtcNow();

        // 300 updates and 4 removals in one window.
        for (var i = 0; i < 300; i++)
        {
            await journal.WriteAsync(org, Entry(time.GetUtcNow().AddMilliseconds(i), ChangeEventTypes.UserUpdated), None);
        }

        await journal.WriteAsync(org, Entry(start.AddSeconds(1), ChangeEventTypes.UserDeactivated), None);
        await journal.WriteAsync(org, Entry(start.AddSeconds(2), ChangeEventTypes.UserDeactivated), None);
        await journal.WriteAsync(org, Entry(start.AddSeconds(3), ChangeEventTypes.UserDeleted), None);
        await journal.WriteAsync(org, Entry(start.AddSeconds(4), ChangeEventTypes.UserDeleted), None);

        Assert.Equal(4, await journal.CountAsync(org, start.AddMinutes(-1), MassChangeGuard.Counted, None));
        Assert.Equal(2, await journal.CountAsync(org, start.AddSeconds(2.5), MassChangeGuard.Counted, None));
        var removalRows = await RowsAsync(table, TableLayout.JournalPartition(org), TableLayout.JournalRemovalPrefix);
        Assert.Equal(4, removalRows.Count);
        // Small rows: the effect only (a count reads no names, attributes or request ids).
        Assert.All(removalRows, r => Assert.Equal(["Effect"], r.Keys.Where(k => k is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))));

        time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(304, await journal.PurgeAsync(org, retentionDays: 30, None));
        Assert.Empty(await RowsAsync(table, TableLayout.JournalPartition(org), TableLayout.JournalPrefix));
        Assert.Empty(await RowsAsync(table, TableLayout.JournalPartition(org), TableLayout.JournalRemovalPrefix));
    }

    [Fact]
    public async Task Rows_go_to_the_journal_partition_and_rows_written_in_the_organization_partition_stay_readable_until_migrate_moves_them()
    {
        var (table, time, journal) = await JournalAsync(DateTimeOffset.UtcNow);
        var org = NewOrganization();
        var start = time.GetUtcNow();

        // As the previous version wrote them: in the organization's partition.
        var legacy = Entry(start.AddSeconds(1), ChangeEventTypes.UserDeactivated);
        await table.SubmitAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(org, Key("j:", legacy))
            {
                ["Code"] = legacy.Code, ["Time"] = legacy.Time, ["Operation"] = legacy.Operation, ["ResourceType"] = legacy.ResourceType,
                ["ResourceId"] = legacy.ResourceId, ["Name"] = legacy.Name, ["Attributes"] = "active", ["Outcome"] = legacy.Outcome,
                ["Status"] = legacy.Status, ["Effect"] = legacy.Effect, ["RequestId"] = legacy.RequestId, ["Idp"] = legacy.IdentityProvider,
            }),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(org, Key("jr:", legacy)) { ["Effect"] = legacy.Effect }),
        ], None);
        var current = Entry(start.AddSeconds(2), ChangeEventTypes.UserDeleted);
        await journal.WriteAsync(org, current, None);
        var earlier = Entry(start, ChangeEventTypes.UserUpdated);
        await journal.WriteAsync(org, earlier, None);

        // The organization's partition gets no journal row; reads see both partitions, in time order.
        Assert.Single(await RowsAsync(table, org, TableLayout.JournalPrefix));
        Assert.Equal([earlier.Code, legacy.Code, current.Code], await CodesAsync(journal, org, start.AddMinutes(-1)));
        Assert.Single(await journal.FindAsync(org, legacy.Code, None));
        Assert.Equal(2, await journal.CountAsync(org, start.AddMinutes(-1), MassChangeGuard.Counted, None));

        var first = await ScimFunctions.Infrastructure.Migrations.OrganizationMigration.MigrateAsync(table, org, cancellationToken: None);
        var second = await ScimFunctions.Infrastructure.Migrations.OrganizationMigration.MigrateAsync(table, org, cancellationToken: None);

        Assert.Equal((2, 0), (first.JournalRowsMoved, second.JournalRowsMoved));
        Assert.Empty(await RowsAsync(table, org, TableLayout.JournalPrefix));
        Assert.Empty(await RowsAsync(table, org, TableLayout.JournalRemovalPrefix));
        Assert.Equal([earlier.Code, legacy.Code, current.Code], await CodesAsync(journal, org, start.AddMinutes(-1)));
        Assert.Equal(2, await journal.CountAsync(org, start.AddMinutes(-1), MassChangeGuard.Counted, None));

        // A move interrupted between its two transactions leaves a row in both partitions: read once.
        await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(org, Key("jr:", legacy)) { ["Effect"] = legacy.Effect })], None);
        Assert.Equal(2, await journal.CountAsync(org, start.AddMinutes(-1), MassChangeGuard.Counted, None));

        time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(3, await journal.PurgeAsync(org, retentionDays: 30, None));
        Assert.Empty(await RowsAsync(table, org, TableLayout.JournalRemovalPrefix));
        Assert.Empty(await CodesAsync(journal, org, start.AddMinutes(-1)));
    }

    private static string Key(string prefix, ActivityEntry entry) =>
        prefix + entry.Time.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + ":" + entry.Code;

    private static async Task<List<string>> CodesAsync(ActivityJournal journal, string org, DateTimeOffset since)
    {
        var codes = new List<string>();
        await foreach (var entry in journal.ReadAsync(org, since, null, null, None))
        {
            codes.Add(entry.Code);
        }

        return codes;
    }

    [Fact]
    public async Task A_reference_code_names_its_minute_and_resolves_weeks_later_within_its_organization_only()
    {
        var (_, time, journal) = await JournalAsync(new DateTimeOffset(2026, 11, 3, 14, 7, 31, TimeSpan.Zero));
        var (org, other) = (NewOrganization(), NewOrganization());
        var entry = Entry(time.GetUtcNow(), ChangeEventTypes.UserUpdated);
        await journal.WriteAsync(org, entry, None);
        await journal.WriteAsync(org, Entry(time.GetUtcNow().AddSeconds(10), ChangeEventTypes.UserUpdated), None);
        var elsewhere = Entry(time.GetUtcNow(), ChangeEventTypes.UserUpdated);
        await journal.WriteAsync(other, elsewhere, None);

        time.Advance(TimeSpan.FromDays(29));

        Assert.Equal(new DateTimeOffset(2026, 11, 3, 14, 7, 0, TimeSpan.Zero), ActivityJournal.MinuteOf(entry.Code, time.GetUtcNow()));
        var found = Assert.Single(await journal.FindAsync(org, entry.Code.ToLowerInvariant(), None));
        Assert.Equal((entry.Code, entry.ResourceId), (found.Code, found.ResourceId));
        Assert.Empty(await journal.FindAsync(org, "ZZZZ-ZZZZ", None));
        Assert.Empty(await journal.FindAsync(org, "not a code", None));
        Assert.Null(ActivityJournal.MinuteOf("AB-CD", time.GetUtcNow()));
        // Within its organization only: another organization's code of the same minute is not found here, nor this one there.
        Assert.Empty(await journal.FindAsync(org, elsewhere.Code, None));
        Assert.Empty(await journal.FindAsync(other, entry.Code, None));
        Assert.Single(await journal.FindAsync(other, elsewhere.Code, None));
    }

    /// <summary>The journal over the test table, on a clock that starts at <paramref name="start"/>.</summary>
    private async Task<(ScimTable Table, MovableTime Time, ActivityJournal Journal)> JournalAsync(DateTimeOffset start)
    {
        var table = new ScimTable(azurite.ServiceClient().GetTableClient("scim"));
        await table.CreateIfNotExistsAsync(None);
        var time = new MovableTime(start);
        return (table, time, new ActivityJournal(table, time));
    }

    private static string NewOrganization() => "org-" + Guid.NewGuid().ToString("N")[..12];

    private static ActivityEntry Entry(DateTimeOffset at, string effect) =>
        new(ActivityJournal.NewCode(at), at, "PATCH", "User", Guid.NewGuid().ToString(), "someone@contoso.com", ["active"], "committed", 200, null, effect, "req", "Entra ID");

    private static async Task<List<TableEntity>> RowsAsync(ScimTable table, string partition, string prefix)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.RangeAsync(partition, prefix, TableLayout.PrefixEnd(prefix), cancellationToken: None))
        {
            rows.Add(row);
        }

        return rows;
    }
}
