namespace ScimFunctions.Application.Provisioning.Stores;

/// <summary>Table Storage did not answer, timed out or is throttling: the request can be retried later (503).</summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
        : base("Storage is unavailable.")
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
