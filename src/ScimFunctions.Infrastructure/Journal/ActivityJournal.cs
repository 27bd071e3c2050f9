using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Journal;

/// <summary>One write as the journal keeps it: identifiers and attribute names, never values or bodies.</summary>
public sealed record ActivityEntry(
    string Code,
    DateTimeOffset Time,
    string Operation,
    string ResourceType,
    string? ResourceId,
    string? Name,
    IReadOnlyList<string> Attributes,
    string Outcome,
    int Status,
    string? ScimType,
    string? Effect,
    string RequestId,
    string IdentityProvider);

/// <summary>
/// The activity journal (docs/troubleshooting.md): one row per write request of an organization, in the organization's
/// journal partition (<c>j:{time ticks}:{code}</c> in <see cref="TableLayout.JournalPartition"/>; rows written before
/// it existed, in the organization's own partition, are read too until <c>scim-admin org migrate</c> moves them), kept
/// <c>Scim:Provisioning:JournalRetentionDays</c>. Every error answered to an
/// organization's request ends with the row's reference code, which <c>scim-admin activity --code</c> resolves within
/// that organization only. Writing it is best effort: a journal that cannot be written never fails the request.
/// </summary>
public sealed class ActivityJournal(ScimTable table, TimeProvider time)
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(100);

    /// <summary>Entries of committed writes, written in batches (one transaction per organization and up to 100) by <see cref="RunAsync"/>.</summary>
    private readonly System.Threading.Channels.Channel<(string Organization, ActivityEntry Entry)> _pending =
        System.Threading.Channels.Channel.CreateBounded<(string, ActivityEntry)>(
            new System.Threading.Channels.BoundedChannelOptions(100_000) { SingleReader = true, FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    /// <summary>
    /// Journals a committed write in the background: its row is written within moments, batched with others of the
    /// organization, so that the journal costs a write request almost nothing. Refused writes are written at once
    /// (<see cref="WriteAsync"/>), so that the reference code an identity provider shows resolves immediately.
    /// </summary>
    public void Enqueue(string organizationId, ActivityEntry entry) => _pending.Writer.TryWrite((organizationId, entry));

    /// <summary>Writes the entries of <see cref="Enqueue"/> until cancelled (the app's background service runs it).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<(string Organization, ActivityEntry Entry)>();
        while (await _pending.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A moment's wait gathers the entries of concurrent requests into one transaction per organization.
            await Task.Delay(Linger, time, cancellationToken).ConfigureAwait(false);
            batch.Clear();
            while (batch.Count < 1_000 && _pending.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            foreach (var chunk in batch.GroupBy(b => b.Organization, StringComparer.Ordinal).SelectMany(g => g.SelectMany(c => Rows(c.Organization, c.Entry)).Chunk(StorageLimits.MaxTransactionActions)))
            {
                try
                {
                    await table.SubmitAsync([.. chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r))], cancellationToken).ConfigureAwait(false);
                }
                catch (StorageUnavailableException)
                {
                    // Best effort: the provisioning records in Application Insights still have these requests.
                }
            }
        }
    }

    /// <summary>Reference codes count minutes from here (their first four characters, modulo 32⁴ minutes: about two years).</summary>
    private static readonly DateTimeOffset CodeEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const int CodeMinutes = 32 * 32 * 32 * 32;

    /// <summary>
    /// A new reference code for a write at <paramref name="at"/>: 8 characters of Crockford base32, shown as
    /// <c>ABCD-EFGH</c>; the first four are the minute (so that <see cref="FindAsync"/> reads that minute's rows, not the
    /// whole retention period), the last four random.
    /// </summary>
    public static string NewCode(DateTimeOffset at)
    {
        var minute = (int)(((long)Math.Floor((at - CodeEpoch).TotalMinutes) % CodeMinutes + CodeMinutes) % CodeMinutes);
        Span<byte> random = stackalloc byte[4];
        RandomNumberGenerator.Fill(random);
        Span<char> code = stackalloc char[9];
        for (var i = 0; i < 4; i++)
        {
            code[i] = Alphabet[(minute >> (5 * (3 - i))) & 31];
            code[5 + i] = Alphabet[random[i] % Alphabet.Length];
        }

        code[4] = '-';
        return new string(code);
    }

    /// <summary>The minute a reference code was made in, the latest such minute up to <paramref name="now"/>; null when it is no code.</summary>
    public static DateTimeOffset? MinuteOf(string code, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(code);
        var text = code.Trim().ToUpperInvariant();
        if (text.Length != 9 || text[4] != '-')
        {
            return null;
        }

        var minute = 0;
        for (var i = 0; i < 4; i++)
        {
            var digit = Alphabet.IndexOf(text[i], StringComparison.Ordinal);
            if (digit < 0)
            {
                return null;
            }

            minute = (minute << 5) | digit;
        }

        var current = (long)Math.Floor((now - CodeEpoch).TotalMinutes);
        var back = ((current - minute) % CodeMinutes + CodeMinutes) % CodeMinutes;
        return CodeEpoch.AddMinutes(current - back);
    }

    /// <summary>The entries of a reference code within an organization: a read of the minute the code names.</summary>
    public async Task<List<ActivityEntry>> FindAsync(string organizationId, string code, CancellationToken cancellationToken)
    {
        var found = new List<ActivityEntry>();
        if (MinuteOf(code, time.GetUtcNow()) is not { } minute)
        {
            return found;
        }

        var wanted = code.Trim().ToUpperInvariant();
        await foreach (var row in RangeAsync(organizationId, Key(minute, string.Empty), Key(minute.AddMinutes(1), string.Empty), null, cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(row.GetString("Code"), wanted, StringComparison.Ordinal))
            {
                found.Add(Read(row));
            }
        }

        return found;
    }

    public async Task WriteAsync(string organizationId, ActivityEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await table.SubmitAsync([.. Rows(organizationId, entry).Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r))], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The effects that also get a removal row (<see cref="TableLayout.JournalRemovalPrefix"/>): what the mass-change guard counts.</summary>
    public static IReadOnlySet<string> RemovalEffects { get; } = new HashSet<string>(StringComparer.Ordinal) { ChangeEventTypes.UserDeactivated, ChangeEventTypes.UserDeleted };

    /// <summary>An entry's row and, for a deactivation or delete, its removal row (upserts: writing them twice is harmless).</summary>
    private static IEnumerable<TableEntity> Rows(string organizationId, ActivityEntry entry)
    {
        var partition = TableLayout.JournalPartition(organizationId);
        yield return Row(partition, entry);
        if (entry.Effect is { } effect && RemovalEffects.Contains(effect))
        {
            yield return new TableEntity(partition, Key(TableLayout.JournalRemovalPrefix, entry.Time, entry.Code)) { ["Effect"] = effect };
        }
    }

    private static TableEntity Row(string partition, ActivityEntry entry) =>
        new(partition, Key(entry.Time, entry.Code))
        {
            ["Code"] = entry.Code,
            ["Time"] = entry.Time,
            ["Operation"] = entry.Operation,
            ["ResourceType"] = entry.ResourceType,
            ["ResourceId"] = entry.ResourceId,
            ["Name"] = entry.Name,
            ["Attributes"] = string.Join(',', entry.Attributes),
            ["Outcome"] = entry.Outcome,
            ["Status"] = entry.Status,
            ["ScimType"] = entry.ScimType,
            ["Effect"] = entry.Effect,
            ["RequestId"] = entry.RequestId,
            ["Idp"] = entry.IdentityProvider,
        };

    /// <summary>The entries of an organization since a time, oldest first, optionally of one code or one user (id or userName).</summary>
    public async IAsyncEnumerable<ActivityEntry> ReadAsync(
        string organizationId, DateTimeOffset since, string? code, string? user,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in RangeAsync(organizationId, Key(since, string.Empty), TableLayout.PrefixEnd(TableLayout.JournalPrefix), null, cancellationToken).ConfigureAwait(false))
        {
            var entry = Read(row);
            if ((code is null || string.Equals(entry.Code, code.Trim().ToUpperInvariant(), StringComparison.Ordinal))
                && (user is null || string.Equals(entry.ResourceId, user, StringComparison.Ordinal) || string.Equals(entry.Name, user, StringComparison.OrdinalIgnoreCase)))
            {
                yield return entry;
            }
        }
    }

    /// <summary>
    /// How many deactivations and deletes (<see cref="RemovalEffects"/>) an organization's journal has since a time, with
    /// one of the <paramref name="effects"/>: a read of their removal rows only, not of every write in the window.
    /// </summary>
    public async Task<int> CountAsync(string organizationId, DateTimeOffset since, IReadOnlySet<string> effects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(effects);
        if (!effects.IsSubsetOf(RemovalEffects))
        {
            throw new ArgumentException("Only deactivations and deletes are counted from their removal rows.", nameof(effects));
        }

        var count = 0;
        await foreach (var row in RangeAsync(organizationId, Key(TableLayout.JournalRemovalPrefix, since, string.Empty), TableLayout.PrefixEnd(TableLayout.JournalRemovalPrefix), ["RowKey", "Effect"], cancellationToken)
            .ConfigureAwait(false))
        {
            if (row.GetString("Effect") is { } effect && effects.Contains(effect))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Removes an organization's entries older than the retention period, a transaction of 100 at a time; returns how many.</summary>
    public async Task<int> PurgeAsync(string organizationId, int retentionDays, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(retentionDays);
        var purged = 0;
        foreach (var partition in Partitions(organizationId))
        {
            purged += await PurgeRangeAsync(partition, TableLayout.JournalPrefix, Key(cutoff, string.Empty), cancellationToken).ConfigureAwait(false);
            await PurgeRangeAsync(partition, TableLayout.JournalRemovalPrefix, Key(TableLayout.JournalRemovalPrefix, cutoff, string.Empty), cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }

    /// <summary>
    /// Moves an organization's journal rows written before the journal had its own partition (<c>scim-admin org
    /// migrate</c>): a transaction of up to 100 rows into the journal partition, then their removal from the
    /// organization's. Idempotent (upserts of the same rows); a row found in both partitions meanwhile is read once.
    /// Returns how many rows moved.
    /// </summary>
    public async Task<int> MoveLegacyRowsAsync(string organizationId, CancellationToken cancellationToken)
    {
        var moved = 0;
        foreach (var prefix in new[] { TableLayout.JournalPrefix, TableLayout.JournalRemovalPrefix })
        {
            var batch = new List<TableEntity>(StorageLimits.MaxTransactionActions);
            await foreach (var row in table.RangeAsync(organizationId, prefix, TableLayout.PrefixEnd(prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                batch.Add(row);
                if (batch.Count == StorageLimits.MaxTransactionActions)
                {
                    moved += await MoveAsync(batch).ConfigureAwait(false);
                }
            }

            moved += await MoveAsync(batch).ConfigureAwait(false);
        }

        return moved;

        async Task<int> MoveAsync(List<TableEntity> rows)
        {
            var count = rows.Count;
            if (count == 0)
            {
                return 0;
            }

            var copies = rows.Select(r =>
            {
                var copy = new TableEntity(TableLayout.JournalPartition(organizationId), r.RowKey);
                foreach (var (name, value) in r)
                {
                    if (name is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
                    {
                        copy[name] = value;
                    }
                }

                return new TableTransactionAction(TableTransactionActionType.UpsertReplace, copy);
            });
            await table.SubmitAsync([.. copies], cancellationToken).ConfigureAwait(false);
            try
            {
                await table.SubmitAsync([.. rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organizationId, r.RowKey), ETag.All))], cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Purged or moved concurrently: the next run removes what is left.
            }

            rows.Clear();
            return count;
        }
    }

    /// <summary>Where an organization's journal rows are: its journal partition, and its own partition for rows written before that.</summary>
    private static string[] Partitions(string organizationId) => [TableLayout.JournalPartition(organizationId), organizationId];

    /// <summary>
    /// A key range of an organization's journal in both of its partitions, in key order; a row in both (a move in
    /// progress) once.
    /// </summary>
    private async IAsyncEnumerable<TableEntity> RangeAsync(
        string organizationId, string from, string to, IReadOnlyList<string>? select, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var current = table.RangeAsync(TableLayout.JournalPartition(organizationId), from, to, select: select, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using var legacy = table.RangeAsync(organizationId, from, to, select: select, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        var hasCurrent = await current.MoveNextAsync().ConfigureAwait(false);
        var hasLegacy = await legacy.MoveNextAsync().ConfigureAwait(false);
        while (hasCurrent || hasLegacy)
        {
            var order = !hasLegacy ? -1 : !hasCurrent ? 1 : string.CompareOrdinal(current.Current.RowKey, legacy.Current.RowKey);
            yield return order <= 0 ? current.Current : legacy.Current;
            if (order <= 0)
            {
                hasCurrent = await current.MoveNextAsync().ConfigureAwait(false);
            }

            if (order >= 0)
            {
                hasLegacy = await legacy.MoveNextAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes the rows from a prefix to a key while reading them, a transaction of 100 at a time (bounded memory).</summary>
    private async Task<int> PurgeRangeAsync(string organizationId, string prefix, string before, CancellationToken cancellationToken)
    {
        var purged = 0;
        var batch = new List<TableTransactionAction>(StorageLimits.MaxTransactionActions);
        await foreach (var row in table.RangeAsync(organizationId, prefix, before, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            // Only the row key was read (a row without its partition key cannot be deleted).
            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organizationId, row.RowKey), ETag.All));
            if (batch.Count == StorageLimits.MaxTransactionActions)
            {
                purged += await DeleteAsync(batch).ConfigureAwait(false);
            }
        }

        return purged + await DeleteAsync(batch).ConfigureAwait(false);

        async Task<int> DeleteAsync(List<TableTransactionAction> rows)
        {
            var count = rows.Count;
            if (count > 0)
            {
                try
                {
                    await table.SubmitAsync([.. rows], cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException e) when (e.Status == 404)
                {
                    // Purged concurrently by another instance.
                }

                rows.Clear();
            }

            return count;
        }
    }

    private static string Key(DateTimeOffset time, string code) => Key(TableLayout.JournalPrefix, time, code);

    private static string Key(string prefix, DateTimeOffset time, string code) =>
        prefix + time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + ":" + code;

    private static ActivityEntry Read(TableEntity row) => new(
        row.GetString("Code") ?? string.Empty,
        row.GetDateTimeOffset("Time") ?? DateTimeOffset.MinValue,
        row.GetString("Operation") ?? string.Empty,
        row.GetString("ResourceType") ?? string.Empty,
        row.GetString("ResourceId"),
        row.GetString("Name"),
        (row.GetString("Attributes") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries),
        row.GetString("Outcome") ?? string.Empty,
        row.GetInt32("Status") ?? 0,
        row.GetString("ScimType"),
        row.GetString("Effect"),
        row.GetString("RequestId") ?? string.Empty,
        row.GetString("Idp") ?? string.Empty);
}
