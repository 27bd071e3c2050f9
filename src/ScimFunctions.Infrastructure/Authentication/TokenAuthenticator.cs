using System.Collections.Concurrent;

namespace ScimFunctions.Infrastructure.Authentication;

public enum AuthenticationOutcome
{
    /// <summary>The token is valid: <see cref="AuthenticationResult.OrganizationId"/> is set.</summary>
    Authenticated,

    /// <summary>No token, a malformed, forged, unknown or revoked one: 401.</summary>
    Rejected,

    /// <summary>The store could not answer: 503, never 401.</summary>
    Unavailable,
}

public sealed record AuthenticationResult(
    AuthenticationOutcome Outcome, string? OrganizationId = null, string? TokenId = null, string? ClientId = null, DateTimeOffset? Expires = null)
{
    public static AuthenticationResult Rejected { get; } = new(AuthenticationOutcome.Rejected);

    public static AuthenticationResult Unavailable { get; } = new(AuthenticationOutcome.Unavailable);
}

/// <summary>
/// Turns an <c>Authorization</c> header into an organization, asking the token store (Key Vault) as little as it can:
/// <list type="number">
/// <item>A token whose tag does not verify with the service's signing keys, or a legacy-shaped token whose hash is not
///   among the known ones (or past <see cref="TokenAuthenticationOptions.LegacyTokensUntil"/>), is refused here: random
///   and mutated tokens never reach the store, so nobody's junk can crowd out another organization's valid token.</item>
/// <item>A genuine token is looked up once (one lookup in flight per hash) and cached. A cached token is served at
///   once and refreshed in the background after half its cache time; past the cache time a request waits briefly for
///   the refresh and is otherwise served from the cache, up to <see cref="TokenAuthenticationOptions.MaxStaleSeconds"/>
///   since the last successful refresh, then answered 503. A slow, throttling or failing store therefore costs cached
///   organizations nothing, and uncached ones get 503, never 401 (Entra ID quarantines a job on 401s).</item>
/// </list>
/// Never logs or keeps a token; the caches are keyed by its hash.
/// </summary>
public sealed class TokenAuthenticator
{
    private const int MaxEntries = 10_000;

    private readonly ITokenStore _store;
    private readonly TokenAuthenticationOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<TokenRecord?>>> _inFlight = new(StringComparer.Ordinal);
    private readonly Refreshed<IReadOnlyList<byte[]>> _signingKeys;
    private readonly Refreshed<HashSet<string>> _knownHashes;
    private long _storeLookups;

    /// <summary>Whether the store's last answer came, and in time; while it does not, nobody waits for it.</summary>
    private volatile bool _storeAnswers = true;

    public TokenAuthenticator(ITokenStore store, TokenAuthenticationOptions options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
        var refresh = TimeSpan.FromSeconds(options.KeysRefreshSeconds);
        _signingKeys = new Refreshed<IReadOnlyList<byte[]>>(store.GetSigningKeysAsync, refresh, time);
        _knownHashes = new Refreshed<HashSet<string>>(async ct =>
        {
            var hashes = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var hash in store.ListHashesAsync(ct).ConfigureAwait(false))
            {
                hashes.Add(hash);
            }

            return hashes;
        }, refresh, time);
    }

    /// <summary>Lookups of single token hashes made so far (for tests and diagnostics).</summary>
    public long StoreLookups => Interlocked.Read(ref _storeLookups);

    public async Task<AuthenticationResult> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        var token = ReadBearer(authorization);
        try
        {
            if (ClientCredentials.LooksLikeAccessToken(token))
            {
                // An access token from the token endpoint: checked locally, then its client secret's record, cached.
                var keys = await _signingKeys.GetAsync(cancellationToken).ConfigureAwait(false);
                return await ClientCredentials.ValidateAccessTokenAsync(token!, keys, _time).ConfigureAwait(false) is { } credential
                    ? await ResolveAsync(credential, cancellationToken).ConfigureAwait(false)
                    : AuthenticationResult.Rejected;
            }

            if (ScimToken.IsTagged(token))
            {
                var keys = await _signingKeys.GetAsync(cancellationToken).ConfigureAwait(false);
                if (!ScimToken.HasValidTag(token!, keys))
                {
                    // A token issued after the keys were read would be tagged with a key made since: read them again
                    // soon, at most once per refresh period whatever is sent.
                    _signingKeys.RefreshSoon();
                    return AuthenticationResult.Rejected;
                }
            }
            else if (ScimToken.IsLegacy(token))
            {
                if (_options.LegacyTokensUntil is { } end && _time.GetUtcNow() > end)
                {
                    return AuthenticationResult.Rejected;
                }

                if (!(await _knownHashes.GetAsync(cancellationToken).ConfigureAwait(false)).Contains(ScimToken.Hash(token!)))
                {
                    _knownHashes.RefreshSoon();
                    return AuthenticationResult.Rejected;
                }
            }
            else
            {
                return AuthenticationResult.Rejected;
            }
        }
        catch (Exception e) when (e is TokenStoreUnavailableException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            return AuthenticationResult.Unavailable;
        }

        return await ResolveAsync(ScimToken.Hash(token!), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The service's signing keys (cached, refreshed in the background).</summary>
    /// <exception cref="TokenStoreUnavailableException">They were never read and the store does not answer.</exception>
    public Task<IReadOnlyList<byte[]>> SigningKeysAsync(CancellationToken cancellationToken) => _signingKeys.GetAsync(cancellationToken);

    /// <summary>Resolves a credential hash (a client secret's) through the same cache as tokens.</summary>
    public Task<AuthenticationResult> ResolveCredentialAsync(string hash, CancellationToken cancellationToken) => ResolveAsync(hash, cancellationToken);

    /// <summary>Forgets a token hash, so that a revocation made by this process takes effect at once.</summary>
    public void Forget(string tokenHash) => _cache.TryRemove(tokenHash, out _);

    private async Task<AuthenticationResult> ResolveAsync(string hash, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached))
        {
            var age = now - cached.Refreshed;
            if (cached.Record is null)
            {
                if (age < TimeSpan.FromSeconds(_options.NegativeCacheSeconds))
                {
                    return AuthenticationResult.Rejected;
                }
            }
            else if (age < TimeSpan.FromSeconds(_options.CacheSeconds))
            {
                if (age >= TimeSpan.FromSeconds(_options.CacheSeconds / 2.0))
                {
                    _ = RefreshAsync(hash);
                }

                return cached.ToResult(_time.GetUtcNow());
            }
            else
            {
                // Past the cache time: wait briefly for the answer while the store answers promptly, so that a revoked
                // token stops within the cache time; while it does not, serve the entry at once.
                var refresh = RefreshAsync(hash);
                if (_storeAnswers)
                {
                    var answered = await Task.WhenAny(refresh, Task.Delay(TimeSpan.FromMilliseconds(_options.RefreshWaitMilliseconds), _time, cancellationToken)).ConfigureAwait(false) == refresh;
                    if (!answered)
                    {
                        _storeAnswers = false;
                    }
                    else if (_cache.TryGetValue(hash, out var fresh) && fresh.Refreshed > cached.Refreshed)
                    {
                        return fresh.ToResult(_time.GetUtcNow());
                    }
                }

                return age < TimeSpan.FromSeconds(_options.MaxStaleSeconds) ? cached.ToResult(_time.GetUtcNow()) : AuthenticationResult.Unavailable;
            }
        }

        try
        {
            var record = await LookupOnceAsync(hash).WaitAsync(cancellationToken).ConfigureAwait(false);
            _storeAnswers = true;
            return Remember(hash, record).ToResult(_time.GetUtcNow());
        }
        catch (Exception e) when (e is TokenStoreUnavailableException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The store did not answer within the request's time: unknown, which must never look like a rejection.
            return AuthenticationResult.Unavailable;
        }
    }

    /// <summary>Asks the store again in the background; an answer replaces the entry, a failure leaves it as it was.</summary>
    private async Task RefreshAsync(string hash)
    {
        try
        {
            Remember(hash, await LookupOnceAsync(hash).ConfigureAwait(false));
            _storeAnswers = true;
        }
        catch (TokenStoreUnavailableException)
        {
            // The entry keeps its last successful refresh time: MaxStaleSeconds runs from there.
            _storeAnswers = false;
        }
    }

    private CacheEntry Remember(string hash, TokenRecord? record)
    {
        var entry = new CacheEntry(record is { Revoked: false } ? record : null, _time.GetUtcNow());
        if (_cache.Count >= MaxEntries)
        {
            foreach (var stale in _cache.Where(e => e.Value.Record is null).Select(e => e.Key).ToList())
            {
                _cache.TryRemove(stale, out _);
            }
        }

        _cache[hash] = entry;
        return entry;
    }

    private Task<TokenRecord?> LookupOnceAsync(string hash)
    {
        var lookup = _inFlight.GetOrAdd(hash, h => new Lazy<Task<TokenRecord?>>(async () =>
        {
            Interlocked.Increment(ref _storeLookups);
            try
            {
                return await _store.FindAsync(h, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _inFlight.TryRemove(h, out _);
            }
        }));
        return lookup.Value;
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

    private sealed record CacheEntry(TokenRecord? Record, DateTimeOffset Refreshed)
    {
        /// <summary>The outcome now: an entry of a credential that has expired since it was read is a rejection.</summary>
        public AuthenticationResult ToResult(DateTimeOffset now) => Record is { } record && record.IsUsableAt(now)
            ? new AuthenticationResult(AuthenticationOutcome.Authenticated, record.OrganizationId, record.TokenId, record.ClientId, record.Expires)
            : AuthenticationResult.Rejected;
    }

    /// <summary>
    /// A value read from the store, read again every period in the background (the old value serves meanwhile), and
    /// read at once only the first time. <see cref="RefreshSoon"/> asks for an early read, at most once per period.
    /// </summary>
    private sealed class Refreshed<T>(Func<CancellationToken, Task<T>> read, TimeSpan period, TimeProvider time)
        where T : class
    {
        private readonly Lock _gate = new();
        private T? _value;
        private DateTimeOffset _read;
        private DateTimeOffset _earlyAsked = DateTimeOffset.MinValue;
        private DateTimeOffset _failed = DateTimeOffset.MinValue;
        private Task<T>? _reading;

        /// <summary>After a failed background read, the old value serves this long before the next try.</summary>
        private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

        public async Task<T> GetAsync(CancellationToken cancellationToken)
        {
            Task<T> reading;
            lock (_gate)
            {
                if (_value is not null)
                {
                    var now = time.GetUtcNow();
                    if (now - _read >= period && now - _failed >= RetryAfterFailure)
                    {
                        _ = StartRead();
                    }

                    return _value;
                }

                reading = StartRead();
            }

            return await reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        public void RefreshSoon()
        {
            lock (_gate)
            {
                var now = time.GetUtcNow();
                if (_value is not null && now - _earlyAsked >= period && now - _read >= TimeSpan.FromSeconds(1))
                {
                    _earlyAsked = now;
                    _ = StartRead();
                }
            }
        }

        /// <summary>Starts a read unless one is under way; called under the lock.</summary>
        private Task<T> StartRead()
        {
            if (_reading is { IsCompleted: false } running)
            {
                return running;
            }

            _reading = ReadAsync();
            return _reading;
        }

        private async Task<T> ReadAsync()
        {
            T value;
            try
            {
                value = await read(CancellationToken.None).ConfigureAwait(false);
            }
            catch
            {
                lock (_gate)
                {
                    _failed = time.GetUtcNow();
                }

                throw;
            }

            lock (_gate)
            {
                _value = value;
                _read = time.GetUtcNow();
            }

            return value;
        }
    }
}
