namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>Caching and throttling of token lookups (configuration section <c>Scim:Tokens</c>).</summary>
public sealed class TokenAuthenticationOptions
{
    /// <summary>
    /// How long a valid token is trusted without asking the store again: also how long a revoked token keeps
    /// working (the documented revocation delay). Default 60 seconds.
    /// </summary>
    public int CacheSeconds { get; set; } = 60;

    /// <summary>How long an unknown or revoked token is remembered as such. Default 60 seconds.</summary>
    public int NegativeCacheSeconds { get; set; } = 60;

    /// <summary>
    /// While the store is unavailable, how long a token that was valid keeps working from the cache after its entry
    /// expired. Default one hour.
    /// </summary>
    public int MaxStaleSeconds { get; set; } = 3600;

    /// <summary>Store lookups per second for tokens not in the cache (a flood of bad tokens cannot pass this). Default 5.</summary>
    public double UnknownTokenLookupsPerSecond { get; set; } = 5;

    /// <summary>Lookups that may happen at once above the rate. Default 20.</summary>
    public int UnknownTokenBurst { get; set; } = 20;
}
