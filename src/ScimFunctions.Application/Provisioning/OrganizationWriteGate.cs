using System.Collections.Concurrent;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// Queues, within this instance, the writes that meet on one row: those that change an organization's counters (keyed
/// by the organization) and the changes of one group (keyed by the group row). Without it, concurrent writers all read
/// the row, race on its ETag, and all but one retry with every read repeated; with it they wait their turn. The ETag
/// condition still decides across instances; this only keeps the contenders few.
/// </summary>
public sealed class OrganizationWriteGate
{
    private const int MaxOrganizations = 10_000;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string organization, CancellationToken cancellationToken)
    {
        if (_gates.Count > MaxOrganizations)
        {
            // Idle gates are dropped wholesale; one held now stays valid for its holder.
            _gates.Clear();
        }

        var gate = _gates.GetOrAdd(organization, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
