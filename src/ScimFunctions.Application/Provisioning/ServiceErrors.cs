using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// The boundary of every service operation: the core's <see cref="ScimException"/> and a resource too large for
/// storage become results. Storage outages, and writes that ran out of attempts, are left to the host, which answers 503.
/// </summary>
internal static class ServiceErrors
{
    public static async Task<ScimResult> Guard(Func<Task<ScimResult>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (ScimException e)
        {
            return e.Error;
        }
        catch (ResourceTooLargeException e)
        {
            return new ScimError(413, null, e.Message);
        }
        catch (StaleWriteException e)
        {
            // A write that kept losing races until its attempts ran out: the client retries later (503, Retry-After).
            throw new StorageUnavailableException("Too many concurrent changes of this resource or organization; try again.", e);
        }
    }
}
