using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Events;

/// <summary>
/// Moves committed change events from each organization's outbox rows to the event queue (docs/events.md).
/// <list type="bullet">
/// <item>A write that commits events first makes sure its organization has a marker row in the <c>~outbox</c> partition
///   (at most one upsert a minute per organization and instance), then commits the events in its own transaction, then
///   asks for a dispatch (<see cref="Notify"/>), which runs in the background right away.</item>
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

    private readonly ConcurrentDictionary<string, DateTimeOffset> _marked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _requested = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _dispatching = new(StringComparer.Ordinal);
    private readonly Channel<string> _requests = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = false });

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

    /// <summary>After a commit with events: dispatch the organization's outbox soon, in the background.</summary>
    public void Notify(string organizationId)
    {
        if (queue.IsConfigured && _requested.TryAdd(organizationId, 0))
        {
            _requests.Writer.TryWrite(organizationId);
        }
    }

    /// <summary>Serves <see cref="Notify"/> requests until cancelled (a hosted service runs a few of these).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var organizationId in _requests.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            _requested.TryRemove(organizationId, out _);
            await TryDispatchAsync(organizationId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends an organization's outbox rows in commit order and deletes each once the queue has it; returns how many.</summary>
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

        foreach (var row in rows)
        {
            await queue.SendAsync(row.GetString(ChangeEvent.BodyProperty) ?? "{}", cancellationToken).ConfigureAwait(false);
            try
            {
                await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All)], cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Another dispatcher sent it too (consumers deduplicate by id) and removed it first.
            }

            sent++;
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
