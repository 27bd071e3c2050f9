namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// Azure Table Storage's limits, which Azurite does not enforce: the code enforces them itself so that what works
/// locally works in Azure.
/// </summary>
internal static class StorageLimits
{
    /// <summary>Actions in one entity-group transaction.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>Payload of one entity-group transaction.</summary>
    public const int MaxTransactionBytes = 4 * 1024 * 1024;

    /// <summary>One entity, all properties included.</summary>
    public const int MaxEntityBytes = 1024 * 1024;

    /// <summary>One string property: 64 KiB of UTF-16, that is 32,768 characters.</summary>
    public const int MaxStringPropertyChars = 32 * 1024;

    /// <summary>Bytes a property costs beyond its value (name and type), a conservative estimate.</summary>
    public const int PropertyOverheadBytes = 8;

    /// <summary>The system properties (PartitionKey, RowKey, Timestamp) of every entity, a conservative estimate.</summary>
    public const int EntityOverheadBytes = 4 + (2 * 1024) + 8;
}
