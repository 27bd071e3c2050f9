namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>Limits of the provisioning services.</summary>
public sealed class ProvisioningOptions
{
    /// <summary>Most resources in one list response; larger <c>count</c> values are lowered to it.</summary>
    public int MaxResults { get; set; } = 1000;

    /// <summary>Page size when a list request gives no <c>count</c>.</summary>
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>
    /// How often a write is retried after losing an optimistic-concurrency race inside the organization (another
    /// request changed the same counters or resource first). Each retry re-reads and re-validates.
    /// </summary>
    public int MaxWriteAttempts { get; set; } = 64;

    /// <summary>Email addresses indexed per user for the identity provider's pre-create lookup.</summary>
    public int MaxIndexedEmails { get; set; } = 20;
}
