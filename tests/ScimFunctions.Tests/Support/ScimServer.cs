using System.Diagnostics;
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
public sealed class ScimServer : ScimHttp, IAsyncLifetime
{
    private readonly Azurite _azurite = new() { AllServices = true };
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), "scim-tests-" + Guid.NewGuid().ToString("N") + ".json");
    private LocalServer? _server;

    public List<LogRecord> Logs { get; } = [];

    public List<Activity> Activities { get; } = [];

    public string OrgA { get; } = "org-a-" + Guid.NewGuid().ToString("N")[..8];

    public string OrgB { get; } = "org-b-" + Guid.NewGuid().ToString("N")[..8];

    public string TokenA { get; } = ScimToken.GenerateLegacy();

    public string TokenB { get; } = ScimToken.GenerateLegacy();

    public override string BaseUrl => _server!.BaseUrl;

    public override string StorageConnectionString => _azurite.ConnectionString;

    public IServiceProvider Services => _server!.App.Services;

    public string TokenFile => _tokenFile;


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

                    // The fake identity provider publishes its keys on http://127.0.0.1 (Entra's are HTTPS).
                    ["Scim:OAuth:RequireHttpsMetadata"] = "false",
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

    public override async Task<FederatedClient> NewFederatedClientAsync(string issuer, string subject, string audience)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        await Services.GetRequiredService<Infrastructure.Organizations.OrganizationStore>().CreateAsync(id, id, null, CancellationToken.None);
        return await FederateInAsync(Services.GetRequiredService<ITokenStore>(), id, issuer, subject, audience);
    }

    public override async Task<IssuedClient> NewClientAsync()
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        await Services.GetRequiredService<Infrastructure.Organizations.OrganizationStore>().CreateAsync(id, id, null, CancellationToken.None);
        return await CreateClientInAsync(Services.GetRequiredService<ITokenStore>(), id);
    }

    public override Task RevokeAsync(string token) => RevokeInAsync(Services.GetRequiredService<ITokenStore>(), token);

    public override Task<string?> ProvisioningNoteAsync(string requestId) => Task.FromResult(
        Logs.ToList().Single(l => l.Attributes?.Any(a => a.Key == "RequestId" && Equals(a.Value, requestId)) == true)
            .Attributes!.Single(a => a.Key == "Note").Value?.ToString());

    public override async Task<string> NewOrganizationAsync(int? maxSeats = null)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        await Services.GetRequiredService<Infrastructure.Organizations.OrganizationStore>().CreateAsync(id, id, maxSeats, CancellationToken.None);
        return (await Services.GetRequiredService<TokenIssuer>().IssueAsync(id, CancellationToken.None)).Token;
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
