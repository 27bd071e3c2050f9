namespace ScimFunctions.Http;

/// <summary>HTTP behaviour of the endpoint (configuration section <c>Scim</c>).</summary>
public sealed class ScimHostOptions
{
    /// <summary>The path of the SCIM base URL under the host, with the Functions <c>api</c> prefix.</summary>
    public const string BasePath = "/api/sch/scim/v2";

    /// <summary>
    /// The public SCIM base URL, when the app is behind a proxy or custom domain; otherwise it is taken from each
    /// request (<c>https://host/api/sch/scim/v2</c>).
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Largest request body accepted, in bytes (413 above it). Default 1 MiB.</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest a request may take before it is answered 503 (storage or Key Vault too slow). Default 10 s.</summary>
    public int RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>Retry-After, in seconds, on a 503. Default 5.</summary>
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>Log a SHA-256 of userName instead of the userName itself. Default false.</summary>
    public bool HashUserNamesInLogs { get; set; }
}
