using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>The one translation of Table Storage's write conflicts that a store did not decide on into the domain's lost race.</summary>
internal static class StoreConflicts
{
    /// <summary>
    /// A transaction that failed because a row changed (412), went away (404) or appeared (409) between a read and the
    /// write, where the store drew no conclusion of its own, lost a race: the use case's attempt runs again
    /// (<see cref="StaleWriteException"/>), and after its last attempt the answer is 503 with Retry-After.
    /// </summary>
    public static async Task<T> StaleOnConflictAsync<T>(Func<Task<T>> write)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            throw new StaleWriteException(e);
        }
    }

    public static async Task StaleOnConflictAsync(Func<Task> write) =>
        await StaleOnConflictAsync(async () =>
        {
            await write().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
}
