using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.LocalHost;
using ScimFunctions.Testing;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Reliability;

/// <summary>
/// The server authenticating through Key Vault (the real SecretClient against the in-memory vault) under attack and
/// while the vault is slow or throttles: forged tokens never reach the vault and cannot keep anyone out; cached
/// organizations never notice the vault; uncached ones get 503 with Retry-After, never 401.
/// </summary>
public sealed class KeyVaultAttackTests : IAsyncLifetime, IDisposable
{
    private readonly FakeKeyVault _vault = new();
    private readonly Azurite _azurite = new();
    private KeyVaultTokenStore _store = null!;
    private LocalServer _server = null!;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _store = _vault.TokenStore(configure: options =>
        {
            options.Retry.MaxRetries = 2;
            options.Retry.Delay = TimeSpan.FromMilliseconds(200);
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        });
        _server = await LocalServer.StartAsync(
            new LocalServerSettings
            {
                Port = 0,
                StorageConnectionString = _azurite.ConnectionString,
                Tokens = new Dictionary<string, string>(),
                Configuration = new Dictionary<string, string?>
                {
                    ["Scim:Tokens:CacheSeconds"] = "2",
                    ["Scim:RequestTimeoutSeconds"] = "3",
                    ["Scim:RateLimit:RequestsPerSecond"] = "0",
                },
                ConfigureServices = services => services.Replace(ServiceDescriptor.Singleton<ITokenStore>(_store)),
            },
            TextWriter.Null,
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    public void Dispose() => _vault.Dispose();

    [Fact]
    public async Task While_forged_tokens_are_sprayed_a_new_valid_token_answers_200_at_once_and_the_vault_sees_no_forged_lookup()
    {
        var existing = await IssueAsync("existing");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, existing)).StatusCode);

        using var spraying = new CancellationTokenSource();
        var forgedAnswers = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        var sprayers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            while (!spraying.IsCancellationRequested)
            {
                var forged = (forgedAnswers.Count % 3) switch
                {
                    0 => ScimToken.Generate(ScimToken.NewSigningKey()),
                    1 => ScimToken.GenerateLegacy(),
                    _ => existing[..^3] + (existing[^3] == 'A' ? "BBB" : "AAA"),
                };
                forgedAnswers.Add((await GetAsync(http, forged)).StatusCode);
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1));

        var newcomer = await IssueAsync("newcomer");
        var first = await GetAsync(http, newcomer);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await spraying.CancelAsync();
        await Task.WhenAll(sprayers);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(forgedAnswers.Count > 100, $"only {forgedAnswers.Count} forged requests were sent");
        Assert.All(forgedAnswers, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        var genuine = new[] { existing, newcomer }.Select(t => KeyVaultTokenStore.SecretPrefix + ScimToken.Hash(t)).Append(KeyVaultTokenStore.SigningKeySecret);
        Assert.All(_vault.SecretsRead, name => Assert.Contains(name, genuine));
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, 0)]
    [InlineData(null, 10)]
    public async Task A_throttling_or_slow_vault_costs_cached_organizations_nothing_and_uncached_ones_get_503(HttpStatusCode? outage, int delaySeconds)
    {
        var cached = await IssueAsync("cached");
        var uncached = await IssueAsync("uncached");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, cached)).StatusCode);

        _vault.Outage = outage;
        _vault.Delay = TimeSpan.FromSeconds(delaySeconds);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var answers = new List<HttpStatusCode>();
            for (var i = 0; i < 40; i++)
            {
                answers.Add((await GetAsync(http, cached)).StatusCode);
                await Task.Delay(100);
            }

            var cachedTime = clock.Elapsed - TimeSpan.FromSeconds(4);
            var refused = await GetAsync(http, uncached);

            Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
            Assert.True(cachedTime < TimeSpan.FromSeconds(4), $"40 cached requests took {cachedTime} beyond their pauses");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter is not null);
        }
        finally
        {
            _vault.Outage = null;
            _vault.Delay = TimeSpan.Zero;
        }
    }

    private async Task<string> IssueAsync(string organization)
    {
        await _server.App.Services.GetRequiredService<Infrastructure.Organizations.OrganizationStore>().CreateAsync(organization, organization, null, CancellationToken.None);
        return (await new TokenIssuer(_store, TimeProvider.System).IssueAsync(organization, CancellationToken.None)).Token;
    }

    private Task<HttpResponseMessage> GetAsync(HttpClient http, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, _server.BaseUrl + "/Users?count=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }
}
