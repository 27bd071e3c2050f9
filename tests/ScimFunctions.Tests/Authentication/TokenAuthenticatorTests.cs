using Moq;
using ScimFunctions.Infrastructure.Authentication;

namespace ScimFunctions.Tests.Authentication;

public sealed class TokenAuthenticatorTests
{
    private static readonly byte[] Key = ScimToken.NewSigningKey();
    private static readonly TokenRecord Contoso = new("contoso", "tok-1", DateTimeOffset.UnixEpoch, false);
    private readonly Mock<ITokenStore> _store = new();
    private readonly ManualTime _time = new();
    private readonly List<string> _knownHashes = [];

    public TokenAuthenticatorTests()
    {
        _store.Setup(s => s.GetSigningKeysAsync(It.IsAny<CancellationToken>())).ReturnsAsync([Key]);
        _store.Setup(s => s.ListHashesAsync(It.IsAny<CancellationToken>())).Returns(() => _knownHashes.ToAsyncEnumerable());
    }

    private TokenAuthenticator Authenticator(TokenAuthenticationOptions? options = null) =>
        new(_store.Object, options ?? new TokenAuthenticationOptions(), _time);

    private void Issue(string token, TokenRecord? record)
    {
        _knownHashes.Add(ScimToken.Hash(token));
        _store.Setup(s => s.FindAsync(ScimToken.Hash(token), It.IsAny<CancellationToken>())).ReturnsAsync(record);
    }

    [Fact]
    public async Task A_valid_token_resolves_its_organization_and_is_refreshed_in_the_background_after_half_its_cache_time()
    {
        var token = ScimToken.Generate(Key);
        Issue(token, Contoso);
        var authenticator = Authenticator();

        var first = await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None);
        var second = await authenticator.AuthenticateAsync("bearer " + token, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(31));
        var third = await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None);
        await WaitUntilAsync(() => authenticator.StoreLookups == 2);

        Assert.Equal(AuthenticationOutcome.Authenticated, first.Outcome);
        Assert.Equal("contoso", first.OrganizationId);
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        _store.Verify(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer short")]
    [InlineData("Bearer schscim_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public async Task Malformed_authorization_is_rejected_without_asking_the_store(string? header)
    {
        var result = await Authenticator().AuthenticateAsync(header, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Rejected, result.Outcome);
        _store.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Forged_and_mutated_tokens_are_rejected_locally_and_never_looked_up()
    {
        var genuine = ScimToken.Generate(Key);
        Issue(genuine, Contoso);
        var authenticator = Authenticator();
        var forged = Enumerable.Range(0, 2_000).Select(_ => ScimToken.Generate(ScimToken.NewSigningKey()))
            .Concat(Enumerable.Range(0, 43).Select(i => Mutate(genuine, ScimToken.Prefix.Length + i)))
            .Concat(Enumerable.Range(0, 2_000).Select(_ => ScimToken.GenerateLegacy()));

        foreach (var token in forged)
        {
            Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).Outcome);
        }

        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + genuine, CancellationToken.None)).Outcome);
        Assert.Equal(1, authenticator.StoreLookups);
        _store.Verify(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        _store.Verify(s => s.GetSigningKeysAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Legacy_tokens_work_while_their_hash_is_known_and_until_the_end_date()
    {
        var legacy = ScimToken.GenerateLegacy();
        Issue(legacy, Contoso);
        var end = _time.GetUtcNow().AddDays(30);
        var authenticator = Authenticator(new TokenAuthenticationOptions { LegacyTokensUntil = end });

        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + legacy, CancellationToken.None)).Outcome);
        Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + ScimToken.GenerateLegacy(), CancellationToken.None)).Outcome);
        _time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + legacy, CancellationToken.None)).Outcome);
        Assert.Equal(1, authenticator.StoreLookups);
    }

    [Fact]
    public async Task Unknown_and_revoked_genuine_tokens_are_rejected_and_remembered()
    {
        var deleted = ScimToken.Generate(Key);
        var revoked = ScimToken.Generate(Key);
        Issue(deleted, null);
        Issue(revoked, Contoso with { Revoked = true });
        var authenticator = Authenticator();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + deleted, CancellationToken.None)).Outcome);
            Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + revoked, CancellationToken.None)).Outcome);
        }

        _store.Verify(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task A_token_revoked_while_the_store_answers_stops_working_within_the_cache_time()
    {
        var token = ScimToken.Generate(Key);
        Issue(token, Contoso);
        var authenticator = Authenticator();
        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).Outcome);

        Issue(token, Contoso with { Revoked = true });
        _time.Advance(TimeSpan.FromSeconds(59));
        await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None);
        await WaitUntilAsync(() => authenticator.StoreLookups == 2);

        Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task A_slow_store_costs_cached_organizations_nothing_and_uncached_ones_get_unavailable_never_rejected()
    {
        var known = ScimToken.Generate(Key);
        var newcomer = ScimToken.Generate(Key);
        Issue(known, Contoso);
        Issue(newcomer, Contoso);
        var authenticator = Authenticator();
        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);

        // From now on the store never answers (slower than any request's time limit).
        _store.Setup(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(new TaskCompletionSource<TokenRecord?>().Task);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var served = new List<AuthenticationOutcome>();
        foreach (var seconds in new[] { 10, 40, 70, 300, 899 })
        {
            _time.Advance(TimeSpan.FromSeconds(seconds) - (_time.GetUtcNow() - ManualTime.Start));
            served.Add((await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);
        }

        var elapsed = clock.Elapsed;
        using var limit = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var uncached = await authenticator.AuthenticateAsync("Bearer " + newcomer, limit.Token);
        _time.Advance(TimeSpan.FromSeconds(2));
        var pastTheBound = await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None);

        Assert.All(served, o => Assert.Equal(AuthenticationOutcome.Authenticated, o));
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"cached requests took {elapsed}");
        Assert.Equal(AuthenticationOutcome.Unavailable, uncached.Outcome);
        Assert.Equal(AuthenticationOutcome.Unavailable, pastTheBound.Outcome);
    }

    [Fact]
    public async Task A_failing_store_keeps_cached_organizations_working_up_to_the_bound_then_unavailable()
    {
        var known = ScimToken.Generate(Key);
        Issue(known, Contoso);
        var authenticator = Authenticator();
        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);

        _store.Setup(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new TokenStoreUnavailableException());
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(AuthenticationOutcome.Unavailable, (await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Without_signing_keys_from_the_store_tagged_tokens_are_unavailable_not_rejected()
    {
        _store.Setup(s => s.GetSigningKeysAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new TokenStoreUnavailableException());

        var result = await Authenticator().AuthenticateAsync("Bearer " + ScimToken.Generate(Key), CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Unavailable, result.Outcome);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_new_token_make_one_lookup()
    {
        var token = ScimToken.Generate(Key);
        _knownHashes.Add(ScimToken.Hash(token));
        var release = new TaskCompletionSource<TokenRecord?>();
        _store.Setup(s => s.FindAsync(ScimToken.Hash(token), It.IsAny<CancellationToken>())).Returns(release.Task);
        var authenticator = Authenticator();

        var requests = Enumerable.Range(0, 20).Select(_ => authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).ToList();
        release.SetResult(Contoso);
        var results = await Task.WhenAll(requests);

        Assert.All(results, r => Assert.Equal("contoso", r.OrganizationId));
        _store.Verify(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task An_access_token_works_until_it_expires_and_names_its_client_secret()
    {
        var clientId = ScimToken.Generate(Key, ScimToken.ClientIdPrefix);
        var secret = ScimToken.Generate(Key, ScimToken.ClientSecretPrefix);
        Issue(secret, Contoso with { ClientId = clientId });
        var authenticator = Authenticator();
        var unusedTable = new Infrastructure.Storage.ScimTable(new Azure.Data.Tables.TableClient("UseDevelopmentStorage=true", "unused"));
        var clients = new ClientCredentials(_store.Object, authenticator, new OAuthOptions { AccessTokenSeconds = 3600 }, new FederatedAssertions(unusedTable, new FederationOptions(), _time), _time);

        var grant = Assert.IsType<TokenGrant.Issued>(await clients.GrantAsync(clientId, secret, CancellationToken.None));
        var wrongClient = await clients.GrantAsync(ScimToken.Generate(Key, ScimToken.ClientIdPrefix), secret, CancellationToken.None);
        var aToken = await authenticator.AuthenticateAsync("Bearer " + grant.AccessToken, CancellationToken.None);
        Assert.Equal(ScimToken.Hash(secret), await ClientCredentials.ValidateAccessTokenAsync(grant.AccessToken, [Key], _time));
        Assert.Null(await ClientCredentials.ValidateAccessTokenAsync(grant.AccessToken, [ScimToken.NewSigningKey()], _time));
        _time.Advance(TimeSpan.FromSeconds(3600 + 31));
        var expired = await authenticator.AuthenticateAsync("Bearer " + grant.AccessToken, CancellationToken.None);

        Assert.IsType<TokenGrant.InvalidClient>(wrongClient);
        Assert.Equal(AuthenticationOutcome.Authenticated, aToken.Outcome);
        Assert.Equal("contoso", aToken.OrganizationId);
        Assert.Equal(AuthenticationOutcome.Rejected, expired.Outcome);
    }

    [Fact]
    public async Task A_cached_credential_stops_at_its_expiry()
    {
        var token = ScimToken.Generate(Key);
        Issue(token, Contoso with { Expires = _time.GetUtcNow().AddSeconds(20) });
        var authenticator = Authenticator();

        var before = await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(21));
        var after = await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Authenticated, before.Outcome);
        Assert.Equal(_time.GetUtcNow().AddSeconds(-1), before.Expires);
        Assert.Equal(AuthenticationOutcome.Rejected, after.Outcome);
        Assert.Equal(1, authenticator.StoreLookups);
    }

    [Fact]
    public async Task A_failing_key_read_in_the_background_is_not_repeated_on_every_request()
    {
        var token = ScimToken.Generate(Key);
        Issue(token, Contoso);
        var authenticator = Authenticator();
        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).Outcome);
        _store.Setup(s => s.GetSigningKeysAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new TokenStoreUnavailableException());

        _time.Advance(TimeSpan.FromSeconds(301));
        var outcomes = new List<AuthenticationOutcome>();
        for (var i = 0; i < 5; i++)
        {
            outcomes.Add((await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).Outcome);
            await Task.Delay(20);
        }

        _time.Advance(TimeSpan.FromSeconds(31));
        outcomes.Add((await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).Outcome);
        await Task.Delay(20);

        Assert.All(outcomes, o => Assert.Equal(AuthenticationOutcome.Authenticated, o));
        _store.Verify(s => s.GetSigningKeysAsync(It.IsAny<CancellationToken>()), Times.Exactly(3));
    }

    private static string Mutate(string token, int index)
    {
        var characters = token.ToCharArray();
        characters[index] = characters[index] == 'A' ? 'B' : 'A';
        return new string(characters);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    private sealed class ManualTime : TimeProvider
    {
        public static readonly DateTimeOffset Start = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

        private DateTimeOffset _now = Start;

        public override DateTimeOffset GetUtcNow() => _now;

        public override long GetTimestamp() => _now.UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _now += by;
    }
}
