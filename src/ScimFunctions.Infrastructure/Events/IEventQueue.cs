using Azure;
using Azure.Storage.Queues;
using ScimFunctions.Application.Provisioning.Stores;

namespace ScimFunctions.Infrastructure.Events;

/// <summary>Where change events go: an Azure Storage queue (default <c>scim-events</c>).</summary>
public interface IEventQueue
{
    /// <summary>Whether events can be sent at all (a local run may have no queue; events then wait in the outbox).</summary>
    bool IsConfigured { get; }

    Task SendAsync(string message, CancellationToken cancellationToken);
}

/// <summary>
/// The Storage queue, with messages Base64-encoded as the Functions queue trigger expects. Failures are
/// <see cref="StorageUnavailableException"/>: the event stays in the outbox and is sent by a later dispatch.
/// </summary>
public sealed class StorageQueueEventQueue(QueueClient queue) : IEventQueue
{
    private volatile bool _exists;

    public bool IsConfigured => true;

    public async Task SendAsync(string message, CancellationToken cancellationToken)
    {
        try
        {
            if (!_exists)
            {
                await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                _exists = true;
            }

            await queue.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or IOException or TimeoutException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new StorageUnavailableException("The event queue did not accept the event; it stays in the outbox.", e);
        }
    }
}

/// <summary>No queue configured (a local run without one): events wait in the outbox until one is.</summary>
public sealed class UnconfiguredEventQueue : IEventQueue
{
    public bool IsConfigured => false;

    public Task SendAsync(string message, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("No event queue is configured (Scim:Events).");
}
