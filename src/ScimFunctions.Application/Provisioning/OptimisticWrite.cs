using ScimFunctions.Application.Provisioning.Stores;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// The one retry loop of every optimistic write: an attempt reads, decides and commits under ETag conditions, and
/// returns null (or a store reports a lost race: <see cref="StaleWriteException"/>), after which it runs again with everything re-read and
/// re-validated, after a jittered back-off. A write still losing after its attempts is a 503 with Retry-After
/// (<see cref="StorageUnavailableException"/>), the same for every operation.
/// </summary>
internal static class OptimisticWrite
{
    public static async Task<T> RunAsync<T>(int maxAttempts, Func<int, Task<T?>> attempt, CancellationToken cancellationToken)
        where T : class
    {
        for (var number = 1; ; number++)
        {
            T? result;
            try
            {
                result = await attempt(number).ConfigureAwait(false);
            }
            catch (StaleWriteException)
            {
                // A row the attempt read changed or went away (another request, here or on another instance).
                result = null;
            }

            if (result is not null)
            {
                return result;
            }

            if (number >= maxAttempts)
            {
                throw new StorageUnavailableException("Too many concurrent changes of this resource or organization; try again.");
            }

            // Jittered, growing to 50 ms: racing writers spread out instead of colliding again.
            await Task.Delay(Random.Shared.Next(1, Math.Min(50, 2 + (number * 3)) + 1), cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// An attempt lost a race: something it read changed, went away or appeared before its write (another request, here or
/// on another instance). The stores throw it where they drew no conclusion of their own; the attempt runs again.
/// </summary>
internal sealed class StaleWriteException(Exception inner)
    : Exception("A row this write depends on changed concurrently.", inner);
