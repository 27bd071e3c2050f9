using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.LocalHost;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.Support;

/// <summary>
/// The local server (the Functions app's classes on Kestrel) over Azurite, with two organizations and their tokens,
/// and in-memory telemetry exporters. Tests talk to it over real HTTP.
/// </summary>
public sealed class ScimServer : IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), "scim-tests-" + Guid.NewGuid().ToString("N") + ".json");
    private LocalServer? _server;

    public List<LogRecord> Logs { get; } = [];

    public List<Activity> Activities { get; } = [];

    public string OrgA { get; } = "org-a-" + Guid.NewGuid().ToString("N")[..8];

    public string OrgB { get; } = "org-b-" + Guid.NewGuid().ToString("N")[..8];

    public string TokenA { get; } = ScimToken.Generate();

    public string TokenB { get; } = ScimToken.Generate();

    public string BaseUrl => _server!.BaseUrl;

    public IServiceProvider Services => _server!.App.Services;

    public string TokenFile => _tokenFile;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        _server = await LocalServer.StartAsync(
            new LocalServerSettings
            {
                Port = 0,
                StorageConnectionString = _azurite.ConnectionString,
                Tokens = new Dictionary<string, string> { [OrgA] = TokenA, [OrgB] = TokenB },
                Configuration = new Dictionary<string, string?>
                {
                    ["Scim:KeyVault:LocalStorePath"] = _tokenFile,
                    ["Scim:Tokens:CacheSeconds"] = "1",
                    ["Scim:Tokens:NegativeCacheSeconds"] = "1",

                    // Many test classes share this server and each registers new tokens: the per-instance throttle of
                    // unknown-token lookups (tested in TokenAuthenticatorTests) would make their first requests 503.
                    ["Scim:Tokens:UnknownTokenLookupsPerSecond"] = "1000",
                    ["Scim:Tokens:UnknownTokenBurst"] = "10000",
                },
                ConfigureServices = services => services.AddOpenTelemetry()
                    .WithLogging(logging => logging.AddInMemoryExporter(Logs))
                    .WithTracing(tracing => tracing.AddInMemoryExporter(Activities)),
            },
            TextWriter.Null,
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _azurite.DisposeAsync();
        File.Delete(_tokenFile);
    }

    public async Task<string> NewOrganizationAsync(int? maxSeats = null)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        await Services.GetRequiredService<Infrastructure.Organizations.OrganizationStore>().CreateAsync(id, id, maxSeats, CancellationToken.None);
        var token = ScimToken.Generate();
        await Services.GetRequiredService<TokenIssuer>().RegisterAsync(id, token, CancellationToken.None);
        return token;
    }

    public async Task<ScimResponse> SendAsync(HttpMethod method, string path, string? token, JsonNode? body = null, string contentType = "application/scim+json", string? ifMatch = null, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(method, BaseUrl + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return await SendAsync(request);
    }

    public async Task<ScimResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new ScimResponse(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            text.Length == 0 ? null : JsonNode.Parse(text),
            response.Headers.ETag?.ToString(),
            response.Headers.Location?.ToString(),
            response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : null,
            response.Headers.TryGetValues("Retry-After", out var retry) ? retry.Single() : null,
            response.Headers.WwwAuthenticate.ToString());
    }
}

public sealed record ScimResponse(int Status, string? MediaType, JsonNode? Body, string? ETag, string? Location, string? RequestId, string? RetryAfter, string WwwAuthenticate)
{
    public string Id => Body!["id"]!.GetValue<string>();

    public string? ScimType => Body?["scimType"]?.GetValue<string>();

    public string Detail => Body?["detail"]?.GetValue<string>() ?? string.Empty;

    public int TotalResults => Body!["totalResults"]!.GetValue<int>();
}

[CollectionDefinition(Name)]
public sealed class ScimServerCollection : ICollectionFixture<ScimServer>
{
    public const string Name = "ScimServer";
}
