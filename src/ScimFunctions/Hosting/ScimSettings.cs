namespace ScimFunctions.Hosting;

/// <summary>Where the data lives (configuration section <c>Scim:Storage</c>).</summary>
public sealed class StorageSettings
{
    /// <summary>A connection string (Azurite or <c>UseDevelopmentStorage=true</c> locally). Takes precedence over the URI.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table endpoint for identity-based access in Azure: <c>https://account.table.core.windows.net</c>.</summary>
    public Uri? TableServiceUri { get; set; }

    public string TableName { get; set; } = "scim";

    /// <summary>Create the table at start-up if it is missing (on by default; the infrastructure declares it in Azure).</summary>
    public bool CreateTableIfMissing { get; set; } = true;

    /// <summary>Seconds before a storage call is abandoned (the request then answers 503). Default 5.</summary>
    public int NetworkTimeoutSeconds { get; set; } = 5;

    /// <summary>Retries of a failed storage call inside one request. Default 2.</summary>
    public int MaxRetries { get; set; } = 2;
}

/// <summary>Where token hashes live (configuration section <c>Scim:KeyVault</c>; without a vault, a local file).</summary>
public sealed class TokenStoreSettings
{
    /// <summary>The vault, e.g. <c>https://kv-scim.vault.azure.net/</c>. Empty for the local file store.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>The local token-hash file when no vault is configured. Default <c>.scim/tokens.json</c>.</summary>
    public string LocalStorePath { get; set; } = Path.Combine(".scim", "tokens.json");
}

/// <summary>Where change events go (configuration section <c>Scim:Events</c>; docs/events.md).</summary>
public sealed class EventSettings
{
    /// <summary>The queue (created if missing). Default <c>scim-events</c>.</summary>
    public string QueueName { get; set; } = "scim-events";

    /// <summary>The queue endpoint for identity-based access in Azure: <c>https://account.queue.core.windows.net</c>.</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>
    /// A connection string (Azurite locally). Without one, <c>Scim:Storage:ConnectionString</c> is used when it names a
    /// queue endpoint; without any, events wait in the outbox (allowed in Development only).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Seconds between two sweeps of the outboxes by a running instance (the timer function sweeps every minute too).</summary>
    public int SweepSeconds { get; set; } = 60;
}
