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
/// The server authenticating through Key Vault (the real SecretClient against the in-memory vault) while the vault
/// fails: organizations whose token is cached keep working, the others get 503, never 401.
/// </summary>
public sealed class KeyVaultOutageTests : IDisposable
{
    private readonly FakeKeyVault _vault = new();

    public void Dispose() => _vault.Dispose();

    [Fact]
    public async Task Cached_organizations_keep_working_and_others_get_503_never_401()
    {
        var azurite = new Azurite();
        await azurite.InitializeAsync();
        try
        {
            var store = _vault.TokenStore();
            var (known, newcomer) = (ScimToken.GenerateLegacy(), ScimToken.GenerateLegacy());
            await using var server = await LocalServer.StartAsync(
                new LocalServerSettings
                {
                    Port = 0,
                    StorageConnectionString = azurite.ConnectionString,
                    Tokens = new Dictionary<string, string> { ["cached"] = known, ["newcomer"] = newcomer },
                    Configuration = new Dictionary<string, string?> { ["Scim:Tokens:CacheSeconds"] = "1" },
                    ConfigureServices = services => services.Replace(ServiceDescriptor.Singleton<ITokenStore>(store)),
                },
                TextWriter.Null,
                CancellationToken.None);
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, server.BaseUrl, known)).StatusCode);

            _vault.Outage = HttpStatusCode.ServiceUnavailable;
            await Task.Delay(TimeSpan.FromSeconds(1.2));
            var cached = await GetAsync(http, server.BaseUrl, known);
            var uncached = await GetAsync(http, server.BaseUrl, newcomer);

            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, uncached.StatusCode);
            Assert.Equal("5", uncached.Headers.GetValues("Retry-After").Single());

            _vault.Outage = null;
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, server.BaseUrl, newcomer)).StatusCode);
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
}
