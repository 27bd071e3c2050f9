using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Organizations;

/// <summary>
/// An organization's row with its totals summed over the row and its counter shards, and a version that changes
/// whenever any of them does (so whenever a user or group is created or deleted, by any instance).
/// </summary>
public sealed record OrganizationSnapshot(TableEntity Row, Organization Totals, string Version);

/// <summary>
/// Where the counter deltas of a write go (docs/storage.md, "Counters and seats"). Totals are the organization row's
/// counters plus those of its shards <c>org:c:NN</c>, summed on read; every delta commits in the transaction of the
/// change it counts, so totals stay exact.
/// <list type="bullet">
/// <item>Deltas go to one shard, chosen among those no other write of this instance holds: writes of one organization
///   commit side by side, and across instances they meet only when two pick the same shard (one retries on another).</item>
/// <item>Except where a rule needs one serialization point: a change of <c>UnmanagedUsers</c> (adoption, unmanaged
///   users; rare) and, in an organization with a seat limit, a change of <c>ActiveUsers</c>. These update the
///   organization row under its ETag, and an activation checks the seat limit against the exact total read in the same
///   attempt, so seats are never over-allocated under any interleaving of instances: every activation of a limited
///   organization changes that one row. Rows written before shards existed keep their counters on the organization
///   row, which remains the base of every total.</item>
/// </list>
/// A shard's content and ETag are remembered after each commit of this instance and used only under that ETag: a stale
/// entry costs one failed attempt (412), after which the shard is read again.
/// <para>
/// A write that only frees (a delete or deactivation of a SCIM-managed user) cannot over-allocate a seat wherever its
/// delta goes: an activation checks the totals it read, which a concurrent decrement only makes smaller. Such a write
/// skips the organization row (<see cref="NeedsOrganizationRow"/>) when the last organization row this instance read,
/// within <see cref="SettingsLifetime"/>, had no seat limit. With a seat limit its delta goes to the organization row, so
/// that the seat record after it is exact; a limit set within that time may cost one decrement its seat record, never a
/// seat.
/// </para>
/// </summary>
public sealed class OrganizationCounters(ScimTable table, Application.Provisioning.OrganizationWriteGate gate, TimeProvider time, int shards = OrganizationCounters.DefaultShards)
{
    public const int DefaultShards = 32;
    private const int MaxCachedShards = 50_000;
    private const int MaxCachedSettings = 100_000;

    /// <summary>How long what an organization row said about seats and deleted users is used to spare a freeing write its read.</summary>
    public static readonly TimeSpan SettingsLifetime = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, (bool Limited, bool HasDeletedUsers, DateTimeOffset Read)> _settings = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<(string Organization, int Shard), (TableEntity Row, ETag ETag)> _known = new();
    private readonly ConcurrentDictionary<(string Organization, int Shard), byte> _held = new();

    /// <summary>
    /// The order in which this instance prefers shards: its own random permutation, so that instances mostly write
    /// different shards (and their remembered ETags stay valid). A shard another instance also wrote moves to the end.
    /// </summary>
    private readonly int[] _preference = Enumerable.Range(0, shards).OrderBy(_ => Random.Shared.Next()).ToArray();
    private readonly Lock _preferenceLock = new();

    /// <summary>The organization row, every shard, the totals and their version: one key-range read.</summary>
    public Task<OrganizationSnapshot?> ReadAsync(string organizationId, CancellationToken cancellationToken) =>
        ReadSnapshotAsync(table, organizationId, cancellationToken);

    internal static async Task<OrganizationSnapshot?> ReadSnapshotAsync(ScimTable table, string organizationId, CancellationToken cancellationToken)
    {
        if (!OrganizationIds.IsValid(organizationId))
        {
            return null;
        }

        TableEntity? organizationRow = null;
        var counted = new List<TableEntity>();
        var version = new System.Text.StringBuilder();
        await foreach (var row in table.RangeAsync(organizationId, TableLayout.OrganizationRow, TableLayout.PrefixEnd(TableLayout.OrganizationRow), cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            if (row.RowKey == TableLayout.OrganizationRow)
            {
                organizationRow = row;
            }
            else if (!row.RowKey.StartsWith(TableLayout.CounterShardPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            counted.Add(row);
            version.Append(row.RowKey).Append('=').Append(row.ETag.ToString()).Append(';');
        }

        if (organizationRow is null)
        {
            return null;
        }

        var totals = OrganizationRow.Read(organizationRow) with
        {
            Users = counted.Sum(r => r.GetInt64(OrganizationRow.Users) ?? 0),
            ActiveUsers = counted.Sum(r => r.GetInt64(OrganizationRow.ActiveUsers) ?? 0),
            UnmanagedUsers = counted.Sum(r => r.GetInt64(OrganizationRow.UnmanagedUsers) ?? 0),
            Groups = counted.Sum(r => r.GetInt64(OrganizationRow.Groups) ?? 0),
        };
        return new OrganizationSnapshot(organizationRow, totals, version.ToString());
    }

    /// <summary>
    /// Where the deltas of one attempt of a write go. <paramref name="organizationRow"/> is the row the write read
    /// (its settings decide the target). The slot must be disposed after the attempt; when its
    /// <see cref="CounterSlot.SeatRefusal"/> is set, the write must not be made.
    /// </summary>
    public Task<CounterSlot> ReserveAsync(TableEntity organizationRow, CounterDelta delta, CancellationToken cancellationToken) =>
        ReserveAsync(organizationRow.PartitionKey, organizationRow, delta, cancellationToken);

    /// <summary>
    /// As <see cref="ReserveAsync(TableEntity, CounterDelta, CancellationToken)"/>; without the organization row only
    /// for a write that <see cref="NeedsOrganizationRow"/> says can do without it.
    /// </summary>
    public async Task<CounterSlot> ReserveAsync(string organizationId, TableEntity? organizationRow, CounterDelta delta, CancellationToken cancellationToken)
    {
        if (organizationRow is { RowKey: TableLayout.OrganizationRow })
        {
            Observe(organizationRow);
        }

        if (delta.IsZero)
        {
            return new CounterSlot(this, organizationId, null, null, null, null, null);
        }

        // Without the organization row, the caller asked NeedsOrganizationRow: the deltas go to a shard.
        if (organizationRow is not null && Serializes(organizationRow, delta))
        {
            // The serialization point: the organization row. Writes of this instance wait their turn for it (else they
            // all race on its ETag); an activation reads the exact totals under the turn and must fit the seats.
            var turn = await gate.EnterAsync(organizationId, cancellationToken).ConfigureAwait(false);
            try
            {
                var snapshot = await ReadAsync(organizationId, cancellationToken).ConfigureAwait(false)
                    ?? throw new ScimException(ScimError.Forbidden("The organization of this token does not exist. Contact SecureCodingHub support."));
                var refusal = delta.ActiveUsers > 0 ? SeatLimit.Check(snapshot.Totals) : null;
                return new CounterSlot(this, organizationId, null, Apply(snapshot.Row, delta, snapshot.Row.ETag), snapshot.Totals, refusal, turn);
            }
            catch
            {
                turn.Dispose();
                throw;
            }
        }

        var shard = Lease(organizationId);
        var index = Shard(shard);
        try
        {
            TableEntity? current;
            ETag etag;
            if (_known.TryGetValue((organizationId, index), out var known))
            {
                (current, etag) = known;
            }
            else
            {
                current = await table.GetAsync(organizationId, TableLayout.CounterShard(index), cancellationToken).ConfigureAwait(false);
                etag = current?.ETag ?? default;
            }

            var action = current is null
                ? new TableTransactionAction(TableTransactionActionType.Add, Values(new TableEntity(organizationId, TableLayout.CounterShard(index)), delta))
                : Apply(current, delta, etag);
            return new CounterSlot(this, organizationId, shard, action, null, null, null);
        }
        catch
        {
            Release(organizationId, shard);
            throw;
        }
    }

    /// <summary>Whether a write's deltas must go to the organization row (see the class summary).</summary>
    public static bool Serializes(TableEntity organizationRow, CounterDelta delta) =>
        delta.UnmanagedUsers != 0 || (delta.ActiveUsers != 0 && OrganizationRow.Read(organizationRow).MaxSeats is not null);

    /// <summary>
    /// Whether a write with these deltas needs the organization row: anything but a write that only frees in an
    /// organization this instance knows to have no seat limit (see the class summary) and, for a delete that must mark the
    /// organization's first deleted user, to have that mark.
    /// </summary>
    public bool NeedsOrganizationRow(string organizationId, CounterDelta delta, bool needsDeletedUsersMark = false)
    {
        if (delta.IsZero && !needsDeletedUsersMark)
        {
            return false;
        }

        var frees = delta.UnmanagedUsers == 0 && delta.Users <= 0 && delta.ActiveUsers <= 0 && delta.Groups <= 0;
        return !frees
            || !_settings.TryGetValue(organizationId, out var known)
            || time.GetUtcNow() - known.Read > SettingsLifetime
            || (known.Limited && delta.ActiveUsers != 0)
            || (needsDeletedUsersMark && !known.HasDeletedUsers);
    }

    private void Observe(TableEntity organizationRow)
    {
        if (_settings.Count >= MaxCachedSettings)
        {
            _settings.Clear();
        }

        var settings = OrganizationRow.Read(organizationRow);
        _settings[organizationRow.PartitionKey] = (settings.MaxSeats is not null, settings.HasDeletedUsers, time.GetUtcNow());
    }

    private int Lease(string organizationId)
    {
        int[] order;
        lock (_preferenceLock)
        {
            order = (int[])_preference.Clone();
        }

        foreach (var shard in order)
        {
            if (_held.TryAdd((organizationId, shard), 0))
            {
                return shard;
            }
        }

        // More writes of this organization in flight here than shards: share one (the ETag still decides).
        return -1 - order[Random.Shared.Next(shards)];
    }

    /// <summary>Another instance wrote this shard: prefer it last from now on.</summary>
    internal void Contended(int lease)
    {
        var shard = Shard(lease);
        lock (_preferenceLock)
        {
            var at = Array.IndexOf(_preference, shard);
            Array.Copy(_preference, at + 1, _preference, at, shards - at - 1);
            _preference[^1] = shard;
        }
    }

    internal void Release(string organizationId, int shard)
    {
        if (shard >= 0)
        {
            _held.TryRemove((organizationId, shard), out _);
        }
    }

    internal void Remember(string organizationId, int shard, TableEntity row, ETag etag)
    {
        if (_known.Count >= MaxCachedShards)
        {
            _known.Clear();
        }

        _known[(organizationId, Shard(shard))] = (row, etag);
    }

    internal void Drop(string organizationId, int shard) => _known.TryRemove((organizationId, Shard(shard)), out _);

    /// <summary>A shared lease (see <see cref="Lease"/>) names its shard as <c>-1 - shard</c>.</summary>
    internal static int Shard(int lease) => lease >= 0 ? lease : -1 - lease;

    private static TableTransactionAction Apply(TableEntity current, CounterDelta delta, ETag etag)
    {
        var update = new TableEntity(current.PartitionKey, current.RowKey)
        {
            [OrganizationRow.Users] = (current.GetInt64(OrganizationRow.Users) ?? 0) + delta.Users,
            [OrganizationRow.ActiveUsers] = (current.GetInt64(OrganizationRow.ActiveUsers) ?? 0) + delta.ActiveUsers,
            [OrganizationRow.UnmanagedUsers] = (current.GetInt64(OrganizationRow.UnmanagedUsers) ?? 0) + delta.UnmanagedUsers,
            [OrganizationRow.Groups] = (current.GetInt64(OrganizationRow.Groups) ?? 0) + delta.Groups,
        };
        return new TableTransactionAction(TableTransactionActionType.UpdateMerge, update, etag);
    }

    private static TableEntity Values(TableEntity row, CounterDelta delta)
    {
        row[OrganizationRow.Users] = delta.Users;
        row[OrganizationRow.ActiveUsers] = delta.ActiveUsers;
        row[OrganizationRow.UnmanagedUsers] = delta.UnmanagedUsers;
        row[OrganizationRow.Groups] = delta.Groups;
        return row;
    }
}

/// <summary>
/// The counter action of one attempt of a write: add <see cref="Action"/> to the transaction, then call
/// <see cref="Committed"/> or <see cref="Failed"/>, and dispose.
/// </summary>
public sealed class CounterSlot : IDisposable
{
    private readonly OrganizationCounters _owner;
    private readonly string _organizationId;
    private readonly int? _lease;
    private readonly IDisposable? _turn;
    private int _index = -1;

    internal CounterSlot(OrganizationCounters owner, string organizationId, int? lease, TableTransactionAction? action, Organization? totals, ScimError? seatRefusal, IDisposable? turn)
    {
        _owner = owner;
        _turn = turn;
        _organizationId = organizationId;
        _lease = lease;
        Action = action;
        Totals = totals;
        SeatRefusal = seatRefusal;
    }

    public TableTransactionAction? Action { get; }

    /// <summary>The exact totals before this write, when the write goes to the organization row (read under its turn).</summary>
    public Organization? Totals { get; }

    /// <summary>Set when the write is an activation that the seat limit refuses.</summary>
    public ScimError? SeatRefusal { get; }

    /// <summary>Adds the counter action, if any, to a transaction being built.</summary>
    internal void AddTo(List<TableTransactionAction> actions)
    {
        if (Action is not null)
        {
            _index = actions.Count;
            actions.Add(Action);
        }
    }

    internal void Committed(IReadOnlyList<Response> responses)
    {
        if (_lease is not { } lease || _index < 0)
        {
            return;
        }

        if (_index < responses.Count && responses[_index].Headers.ETag is { } etag)
        {
            var row = new TableEntity(Action!.Entity.PartitionKey, Action.Entity.RowKey);
            foreach (var (name, value) in (TableEntity)Action.Entity)
            {
                row[name] = value;
            }

            _owner.Remember(_organizationId, lease, row, etag);
        }
        else
        {
            _owner.Drop(_organizationId, lease);
        }
    }

    /// <summary>
    /// After a failed transaction: true when this slot's own action failed (its row changed, or a shard was created by
    /// another writer at the same moment), which the attempt cures by running again; the shard is read again then.
    /// </summary>
    internal bool Failed(TableTransactionFailedException failure)
    {
        var mine = _index >= 0 && failure.FailedTransactionActionIndex == _index;
        if (_lease is { } lease && (mine || failure.FailedTransactionActionIndex is null))
        {
            _owner.Drop(_organizationId, lease);
            if (mine)
            {
                _owner.Contended(lease);
            }
        }

        return mine;
    }

    public void Dispose()
    {
        _turn?.Dispose();
        if (_lease is { } lease)
        {
            _owner.Release(_organizationId, lease);
        }
    }
}
