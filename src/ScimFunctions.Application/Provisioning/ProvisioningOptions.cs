namespace ScimFunctions.Application.Provisioning;

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

    /// <summary>
    /// How long a group write with members may take (a POST, PUT or member PATCH of thousands of members). Entra ID and
    /// Okta wait 60 s; past this limit the answer is 503 and the rest of the change stays recorded for the retry.
    /// </summary>
    public int MembershipTimeLimitSeconds { get; set; } = 45;

    /// <summary>How long a deleted user stays restorable (by a POST with its userName and externalId, or by hand) before the purge removes it.</summary>
    public int DeletedRetentionDays { get; set; } = 30;

    /// <summary>How long the activity journal keeps its rows.</summary>
    public int JournalRetentionDays { get; set; } = 30;

    /// <summary>Email addresses indexed per user for the identity provider's pre-create lookup.</summary>
    public int MaxIndexedEmails { get; set; } = 20;
}
