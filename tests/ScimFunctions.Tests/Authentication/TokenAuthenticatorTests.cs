using Moq;
using ScimFunctions.Infrastructure.Authentication;

namespace ScimFunctions.Tests.Authentication;

public sealed class TokenAuthenticatorTests
{
    private readonly Mock<ITokenStore> _store = new();
    private readonly ManualTime _time = new();

    private TokenAuthenticator Authenticator(TokenAuthenticationOptions? options = null) =>
        new(_store.Object, options ?? new TokenAuthenticationOptions(), _time);

    [Fact]
    public async Task A_valid_token_resolves_its_organization_and_is_cached_for_the_configured_time()
    {
        var token = ScimToken.Generate();
        _store.Setup(s => s.FindAsync(ScimToken.Hash(token), It.IsAny<CancellationToken>())).ReturnsAsync(new TokenRecord("contoso", "tok-1", DateTimeOffset.UnixEpoch, false));
        var authenticator = Authenticator();

        var first = await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None);
        var second = await authenticator.AuthenticateAsync("bearer " + token, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(61));
        var third = await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None);

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
    public async Task Malformed_authorization_is_rejected_without_a_lookup(string? header)
    {
        var result = await Authenticator().AuthenticateAsync(header, CancellationToken.None);

        Assert.Equal(AuthenticationOutcome.Rejected, result.Outcome);
        _store.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Unknown_and_revoked_tokens_are_rejected_and_remembered()
    {
        var unknown = ScimToken.Generate();
        var revoked = ScimToken.Generate();
        _store.Setup(s => s.FindAsync(ScimToken.Hash(revoked), It.IsAny<CancellationToken>())).ReturnsAsync(new TokenRecord("contoso", "tok-1", DateTimeOffset.UnixEpoch, true));
        var authenticator = Authenticator();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + unknown, CancellationToken.None)).Outcome);
            Assert.Equal(AuthenticationOutcome.Rejected, (await authenticator.AuthenticateAsync("Bearer " + revoked, CancellationToken.None)).Outcome);
        }

        _store.Verify(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task A_flood_of_unknown_tokens_reaches_the_store_no_more_than_the_throttle_allows()
    {
        var authenticator = Authenticator(new TokenAuthenticationOptions { UnknownTokenBurst = 10, UnknownTokenLookupsPerSecond = 5 });

        var results = new List<AuthenticationOutcome>();
        for (var i = 0; i < 200; i++)
        {
            results.Add((await authenticator.AuthenticateAsync("Bearer " + ScimToken.Generate(), CancellationToken.None)).Outcome);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 50; i++)
        {
            results.Add((await authenticator.AuthenticateAsync("Bearer " + ScimToken.Generate(), CancellationToken.None)).Outcome);
        }

        Assert.Equal(20, authenticator.StoreLookups);
        Assert.Equal(20, results.Count(r => r == AuthenticationOutcome.Rejected));
        Assert.Equal(230, results.Count(r => r == AuthenticationOutcome.Unavailable));
    }

    [Fact]
    public async Task A_store_outage_keeps_cached_organizations_working_and_answers_unavailable_to_others()
    {
        var known = ScimToken.Generate();
        var newcomer = ScimToken.Generate();
        _store.Setup(s => s.FindAsync(ScimToken.Hash(known), It.IsAny<CancellationToken>())).ReturnsAsync(new TokenRecord("contoso", "tok-1", DateTimeOffset.UnixEpoch, false));
        var authenticator = Authenticator();
        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);

        _store.Setup(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new TokenStoreUnavailableException());
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(AuthenticationOutcome.Authenticated, (await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);
        Assert.Equal(AuthenticationOutcome.Unavailable, (await authenticator.AuthenticateAsync("Bearer " + newcomer, CancellationToken.None)).Outcome);
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(AuthenticationOutcome.Unavailable, (await authenticator.AuthenticateAsync("Bearer " + known, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Concurrent_requests_with_one_new_token_make_one_lookup()
    {
        var token = ScimToken.Generate();
        var release = new TaskCompletionSource<TokenRecord?>();
        _store.Setup(s => s.FindAsync(ScimToken.Hash(token), It.IsAny<CancellationToken>())).Returns(release.Task);
        var authenticator = Authenticator();

        var requests = Enumerable.Range(0, 20).Select(_ => authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).ToList();
        release.SetResult(new TokenRecord("contoso", "tok-1", DateTimeOffset.UnixEpoch, false));
        var results = await Task.WhenAll(requests);

        Assert.All(results, r => Assert.Equal("contoso", r.OrganizationId));
        _store.Verify(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public override long GetTimestamp() => _now.UtcTicks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _now += by;
    }
}
