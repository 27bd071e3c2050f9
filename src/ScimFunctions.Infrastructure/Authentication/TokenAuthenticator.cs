using System.Collections.Concurrent;

namespace ScimFunctions.Infrastructure.Authentication;

public enum AuthenticationOutcome
{
    /// <summary>The token is valid: <see cref="AuthenticationResult.OrganizationId"/> is set.</summary>
    Authenticated,

    /// <summary>No token, a malformed, unknown or revoked one: 401.</summary>
    Rejected,

    /// <summary>The store could not answer (or unknown-token lookups are throttled): 503, never 401.</summary>
    Unavailable,
}

public sealed record AuthenticationResult(AuthenticationOutcome Outcome, string? OrganizationId = null, string? TokenId = null)
{
    public static AuthenticationResult Rejected { get; } = new(AuthenticationOutcome.Rejected);

    public static AuthenticationResult Unavailable { get; } = new(AuthenticationOutcome.Unavailable);
}

/// <summary>
/// Turns an <c>Authorization</c> header into an organization: hashes the bearer token and looks the hash up in the
/// store through a short positive cache and a negative cache, with one lookup in flight per hash and a rate limit on
/// lookups of tokens the cache does not know. When the store is down, tokens that were valid keep working from the
/// cache; others get <see cref="AuthenticationOutcome.Unavailable"/>, because Entra ID quarantines a job on 401s.
/// Never logs or keeps a token; the cache is keyed by the hash.
/// </summary>
public sealed class TokenAuthenticator
{
    private const int MaxNegativeEntries = 10_000;

    private readonly ITokenStore _store;
    private readonly TokenAuthenticationOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<TokenRecord?>>> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _bucketLock = new();
    private double _bucket;
    private long _bucketStamp;

    public TokenAuthenticator(ITokenStore store, TokenAuthenticationOptions options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
        _bucket = options.UnknownTokenBurst;
        _bucketStamp = time.GetTimestamp();
    }

    /// <summary>Store lookups made so far (for tests and diagnostics).</summary>
    public long StoreLookups => Interlocked.Read(ref _storeLookups);

    private long _storeLookups;

    public async Task<AuthenticationResult> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        var token = ReadBearer(authorization);
        if (!ScimToken.IsWellFormed(token))
        {
            return AuthenticationResult.Rejected;
        }

        var hash = ScimToken.Hash(token!);
        var now = _time.GetUtcNow();
        _cache.TryGetValue(hash, out var cached);
        if (cached is not null && cached.Expires > now)
        {
            return cached.ToResult();
        }

        if (cached is null && !TryTakeLookup())
        {
            return AuthenticationResult.Unavailable;
        }

        TokenRecord? record;
        try
        {
            record = await LookupOnceAsync(hash, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException)
        {
            // Keep organizations whose token was valid working through an outage of the store.
            return cached is { Record.Revoked: false } && cached.Expires.AddSeconds(_options.MaxStaleSeconds) > now
                ? cached.ToResult()
                : AuthenticationResult.Unavailable;
        }

        var valid = record is { Revoked: false };
        var entry = new CacheEntry(valid ? record : null, now.AddSeconds(valid ? _options.CacheSeconds : _options.NegativeCacheSeconds));
        if (!valid && _cache.Count >= MaxNegativeEntries)
        {
            foreach (var stale in _cache.Where(e => e.Value.Record is null).Select(e => e.Key).ToList())
            {
                _cache.TryRemove(stale, out _);
            }
        }

        _cache[hash] = entry;
        return entry.ToResult();
    }

    /// <summary>Forgets a token hash, so that a revocation made by this process takes effect at once.</summary>
    public void Forget(string tokenHash) => _cache.TryRemove(tokenHash, out _);

    private async Task<TokenRecord?> LookupOnceAsync(string hash, CancellationToken cancellationToken)
    {
        var lookup = _inFlight.GetOrAdd(hash, h => new Lazy<Task<TokenRecord?>>(() =>
        {
            Interlocked.Increment(ref _storeLookups);
            return _store.FindAsync(h, CancellationToken.None);
        }));
        try
        {
            return await lookup.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<TokenRecord?>>>(hash, lookup));
        }
    }

    /// <summary>A token bucket for lookups of hashes the cache does not know.</summary>
    private bool TryTakeLookup()
    {
        lock (_bucketLock)
        {
            var stamp = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_bucketStamp, stamp).TotalSeconds;
            _bucketStamp = stamp;
            _bucket = Math.Min(_options.UnknownTokenBurst, _bucket + (elapsed * _options.UnknownTokenLookupsPerSecond));
            if (_bucket < 1)
            {
                return false;
            }

            _bucket -= 1;
            return true;
        }
    }

    private static string? ReadBearer(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return null;
        }

        var value = authorization.Trim();
        const string scheme = "Bearer ";
        return value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? value[scheme.Length..].Trim() : value;
    }

    private sealed record CacheEntry(TokenRecord? Record, DateTimeOffset Expires)
    {
        public AuthenticationResult ToResult() => Record is { Revoked: false } record
            ? new AuthenticationResult(AuthenticationOutcome.Authenticated, record.OrganizationId, record.TokenId)
            : AuthenticationResult.Rejected;
    }
}
