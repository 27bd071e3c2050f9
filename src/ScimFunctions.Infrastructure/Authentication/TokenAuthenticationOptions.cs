namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>Caching of token lookups and the transition from legacy tokens (configuration section <c>Scim:Tokens</c>).</summary>
public sealed class TokenAuthenticationOptions
{
    /// <summary>
    /// How long a valid token is trusted without a successful answer from the store: a cached token is refreshed in
    /// the background after half of it, so a token revoked while the store answers stops working within it (the
    /// documented revocation delay). Default 60 seconds.
    /// </summary>
    public int CacheSeconds { get; set; } = 60;

    /// <summary>How long an unknown or revoked token is remembered as such. Default 60 seconds.</summary>
    public int NegativeCacheSeconds { get; set; } = 60;

    /// <summary>
    /// While the store is slow, throttling or down, how long a token that was valid keeps working from the cache
    /// since its last successful refresh; after that the organization gets 503 (never 401). Default 15 minutes: also
    /// the longest a token revoked during a store outage keeps working.
    /// </summary>
    public int MaxStaleSeconds { get; set; } = 900;

    /// <summary>
    /// How long a request for a token whose cache time is over waits for its refresh before it is served from the cache
    /// (or, past <see cref="MaxStaleSeconds"/>, refused with 503). Default 250 ms.
    /// </summary>
    public int RefreshWaitMilliseconds { get; set; } = 250;

    /// <summary>
    /// Tokens in the shape issued before tokens carried a tag are accepted until this time (UTC), and only when their
    /// hash is one the store holds; null: no end date yet.
    /// </summary>
    public DateTimeOffset? LegacyTokensUntil { get; set; }

    /// <summary>How often the set of known token hashes (for legacy tokens) and the signing keys are read again. Default 5 minutes.</summary>
    public int KeysRefreshSeconds { get; set; } = 300;
}
