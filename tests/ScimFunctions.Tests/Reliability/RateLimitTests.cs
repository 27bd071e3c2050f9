using System.Net.Http.Headers;
using ScimFunctions.Http;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.LocalHost;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.Reliability;

public sealed class RateLimitTests
{
    [Fact]
    public void The_bucket_refills_at_the_configured_rate_per_organization()
    {
        var time = new SteppedTime();
        var limiter = new OrganizationRateLimiter(new RateLimitOptions { RequestsPerSecond = 10, Burst = 3 }, time);

        Assert.All(Enumerable.Range(0, 3), _ => Assert.Null(limiter.TryAcquire("a")));
        Assert.Equal(1, limiter.TryAcquire("a"));
        Assert.Null(limiter.TryAcquire("b"));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Null(limiter.TryAcquire("a"));
        Assert.NotNull(limiter.TryAcquire("a"));
    }

    [Fact]
    public void A_rate_of_zero_turns_the_limit_off()
    {
        var limiter = new OrganizationRateLimiter(new RateLimitOptions { RequestsPerSecond = 0, Burst = 0 }, TimeProvider.System);

        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Null(limiter.TryAcquire("a")));
    }

    [Fact]
    public async Task Over_the_limit_an_organization_gets_429_with_retry_after_and_others_are_not_affected()
    {
        var azurite = new Azurite();
        await azurite.InitializeAsync();
        try
        {
            var (busy, quiet) = (ScimToken.GenerateLegacy(), ScimToken.GenerateLegacy());
            var tokenFile = Path.Combine(Path.GetTempPath(), "scim-rate-" + Guid.NewGuid().ToString("N") + ".json");
            await using var server = await LocalServer.StartAsync(
                new LocalServerSettings
                {
                    Port = 0,
                    StorageConnectionString = azurite.ConnectionString,
                    Tokens = new Dictionary<string, string> { ["busy"] = busy, ["quiet"] = quiet },
                    Configuration = new Dictionary<string, string?>
                    {
                        ["Scim:KeyVault:LocalStorePath"] = tokenFile,
                        ["Scim:RateLimit:RequestsPerSecond"] = "0.01",
                        ["Scim:RateLimit:Burst"] = "5",
                    },
                },
                TextWriter.Null,
                CancellationToken.None);
            using var http = new HttpClient();

            var statuses = new List<int>();
            HttpResponseMessage? limited = null;
            for (var i = 0; i < 8; i++)
            {
                var response = await GetAsync(http, server.BaseUrl, busy);
                statuses.Add((int)response.StatusCode);
                limited ??= (int)response.StatusCode == 429 ? response : null;
            }

            var other = await GetAsync(http, server.BaseUrl, quiet);

            Assert.Equal(5, statuses.Count(s => s == 200));
            Assert.Equal(3, statuses.Count(s => s == 429));
            Assert.True(int.Parse(limited!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            Assert.Equal("application/scim+json", limited.Content.Headers.ContentType!.MediaType);
            Assert.Equal(200, (int)other.StatusCode);
            File.Delete(tokenFile);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, string baseUrl, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + "/Users?count=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    private sealed class SteppedTime : TimeProvider
    {
        private long _ticks;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
