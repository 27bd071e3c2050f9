using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Events;

/// <summary>
/// Moves committed change events from each organization's outbox rows to the event queue (docs/events.md).
/// <list type="bullet">
/// <item>A write that commits events first makes sure its organization has a marker row in the <c>~outbox</c> partition
///   (at most one upsert a minute per organization and instance), then commits the events in its own transaction, then
///   hands the committed events to the background sender (<see cref="Committed"/>), which sends them right away without
///   reading the outbox.</item>
/// <item>The sweep (<see cref="SweepAsync"/>: a timer function every minute, and a loop in every running instance)
///   dispatches every marked organization, so that an instance that dies between commit and dispatch delays its events
///   but never loses them. A marker is removed only when it is older than five minutes and its organization has no
///   events left: no writer can then still rely on it.</item>
/// <item>An event row is deleted only after the queue accepted it: delivery is at least once (two dispatchers may send
///   the same row); consumers deduplicate by the event id.</item>
/// </list>
/// </summary>
public sealed partial class ChangeOutbox(ScimTable table, IEventQueue queue, TimeProvider time, ILogger<ChangeOutbox> logger)
{
    private static readonly TimeSpan MarkerRefresh = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MarkerExpiry = TimeSpan.FromMinutes(5);
    private const string MarkedProperty = "Marked";
    private const int MaxRowsPerDispatch = 1_000;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _marked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _dispatching = new(StringComparer.Ordinal);

    /// <summary>Events just committed by this instance, sent in commit order by one reader without reading the outbox.</summary>
    private readonly Channel<(string Organization, string RowKey, string Body)> _committed =
        Channel.CreateBounded<(string, string, string)>(new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Before a write that commits events: the organization is marked for the sweep.</summary>
    public async Task MarkAsync(string organizationId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_marked.TryGetValue(organizationId, out var marked) && now - marked < MarkerRefresh)
        {
            return;
        }

        await table.SubmitAsync(
            [new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(TableLayout.OutboxMarkerPartition, organizationId) { [MarkedProperty] = now })],
            cancellationToken).ConfigureAwait(false);
        if (_marked.Count > 100_000)
        {
            _marked.Clear();
        }

        _marked[organizationId] = now;
    }

    /// <summary>
    /// After a commit: the events it committed are sent right away, in the background, without reading the outbox (the
    /// rows are known); whatever this does not send (queue down, instance gone, a full backlog) the sweep sends.
    /// </summary>
    public void Committed(IEnumerable<ChangeEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!queue.IsConfigured)
        {
            return;
        }

        foreach (var change in events)
        {
            _committed.Writer.TryWrite((change.OrganizationId, TableLayout.Outbox(change.Time, change.Id), change.ToJson().ToJsonString()));
        }
    }

    /// <summary>Sends the events of <see cref="Committed"/> until cancelled: to the queue several to a message, then their rows go (deleted in batches).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<(string Organization, string RowKey, string Body)>();
        while (await _committed.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A moment's wait gathers the events of concurrent writes, so that their rows go in one transaction.
            await Task.Delay(Linger, time, cancellationToken).ConfigureAwait(false);
            batch.Clear();
            while (batch.Count < StorageLimits.MaxTransactionActions && _committed.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            foreach (var organization in batch.GroupBy(b => b.Organization, StringComparer.Ordinal))
            {
                try
                {
                    await SendAndRemoveAsync(organization.Key, [.. organization.Select(o => (o.RowKey, o.Body))], cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is StorageUnavailableException or Azure.RequestFailedException)
                {
                    // Left in the outbox: the sweep sends them.
                    DispatchFailed(logger, organization.Key, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// Sends events in order, several to a message (<see cref="EventMessages"/>), then removes the rows of the messages
    /// the queue accepted in one transaction (each row alone if some were already gone).
    /// </summary>
    private async Task SendAndRemoveAsync(string organizationId, IReadOnlyList<(string RowKey, string Body)> events, CancellationToken cancellationToken)
    {
        var sent = new List<TableTransactionAction>();
        try
        {
            foreach (var (message, range) in EventMessages.Compose([.. events.Select(e => e.Body)]))
            {
                await queue.SendAsync(message, cancellationToken).ConfigureAwait(false);
                sent.AddRange(events.Take(range).Select(e => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organizationId, e.RowKey), ETag.All)));
            }
        }
        finally
        {
            await RemoveAsync(sent, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RemoveAsync(List<TableTransactionAction> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        try
        {
            await table.SubmitAsync(rows, cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            // Some were sent and removed by another dispatcher (the sweep): remove the others one by one.
            foreach (var row in rows)
            {
                try
                {
                    await table.SubmitAsync([row], cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException again) when (again.Status == 404)
                {
                }
            }
        }
    }

    /// <summary>Sends an organization's outbox rows in commit order, several to a message, and deletes them once the queue has them; returns how many.</summary>
    /// <remarks>Dispatches of one organization take turns within an instance, so that its events leave in commit order.</remarks>
    public async Task<int> DispatchAsync(string organizationId, CancellationToken cancellationToken)
    {
        if (_dispatching.Count > 10_000)
        {
            _dispatching.Clear();
        }

        var turn = _dispatching.GetOrAdd(organizationId, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await DispatchInTurnAsync(organizationId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task<int> DispatchInTurnAsync(string organizationId, CancellationToken cancellationToken)
    {
        var sent = 0;
        var rows = new List<TableEntity>();
        await foreach (var row in table.RangeAsync(organizationId, TableLayout.OutboxPrefix, TableLayout.PrefixEnd(TableLayout.OutboxPrefix), cancellationToken: cancellationToken)
            .ConfigureAwait(false))
        {
            rows.Add(row);
            if (rows.Count == MaxRowsPerDispatch)
            {
                break;
            }
        }

        foreach (var (message, range) in EventMessages.Compose([.. rows.Select(r => r.GetString(ChangeEventRows.BodyProperty) ?? "{}")]))
        {
            await queue.SendAsync(message, cancellationToken).ConfigureAwait(false);
            var (offset, length) = range.GetOffsetAndLength(rows.Count);
            await RemoveAsync([.. rows.Skip(offset).Take(length).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All))], cancellationToken)
                .ConfigureAwait(false);
            sent += length;
        }

        return sent + (rows.Count == MaxRowsPerDispatch ? await DispatchInTurnAsync(organizationId, cancellationToken).ConfigureAwait(false) : 0);
    }

    /// <summary>Dispatches every marked organization and removes the markers that are no longer needed; returns events sent.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        if (!queue.IsConfigured)
        {
            return 0;
        }

        var sent = 0;
        var markers = new List<TableEntity>();
        await foreach (var marker in table.RangeAsync(TableLayout.OutboxMarkerPartition, "\u0001", "\uffff", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            markers.Add(marker);
        }

        foreach (var marker in markers)
        {
            var count = await TryDispatchAsync(marker.RowKey, cancellationToken).ConfigureAwait(false);
            sent += Math.Max(0, count);
            if (count == 0 && time.GetUtcNow() - (marker.GetDateTimeOffset(MarkedProperty) ?? DateTimeOffset.MinValue) > MarkerExpiry)
            {
                try
                {
                    await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Delete, marker, marker.ETag)], cancellationToken).ConfigureAwait(false);
                }
                catch (TableTransactionFailedException e) when (e.Status is 404 or 412)
                {
                    // Marked again meanwhile: kept for the next sweep.
                }
            }
        }

        return sent;
    }

    /// <summary>A dispatch that reports failure instead of throwing (the events stay for the next one); -1 on failure.</summary>
    private async Task<int> TryDispatchAsync(string organizationId, CancellationToken cancellationToken)
    {
        try
        {
            return await DispatchAsync(organizationId, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            DispatchFailed(logger, organizationId, e.Message);
            return -1;
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Change events of organization {OrganizationId} were not dispatched ({Reason}); they stay in the outbox for the next dispatch.")]
    private static partial void DispatchFailed(ILogger logger, string organizationId, string reason);
}
