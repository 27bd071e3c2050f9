using Azure.Data.Tables;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.Support;

/// <summary>
/// The Functions app under the real Functions host (what Azure runs), over Azurite with blob, queue and table. The
/// worker is another process: organizations are written through the same stores <c>scim-admin</c> uses, and tokens
/// through the file token store the worker reads.
/// </summary>
public sealed class RealHostServer : ScimHttp, IAsyncLifetime
{
    private readonly Azurite _azurite = new() { AllServices = true };
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), "scim-realhost-" + Guid.NewGuid().ToString("N") + ".json");
    private FunctionsHost? _host;
    private OrganizationStore? _organizations;
    private TokenIssuer? _tokens;

    public override string BaseUrl => _host!.BaseUrl + "/api/sch/scim/v2";

    public override string StorageConnectionString => _azurite.ConnectionString;

    public string HostUrl => _host!.BaseUrl;

    public string HostOutput => _host?.Output ?? string.Empty;

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        var table = new ScimTable(new TableServiceClient(_azurite.ConnectionString).GetTableClient("scim"));
        await table.CreateIfNotExistsAsync(CancellationToken.None);
        _organizations = new OrganizationStore(table, TimeProvider.System);
        _tokens = new TokenIssuer(new FileTokenStore(_tokenFile), TimeProvider.System);
        _host = await FunctionsHost.StartAsync(
            new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = _azurite.ConnectionString,
                ["Scim__Storage__ConnectionString"] = _azurite.ConnectionString,
                ["Scim__KeyVault__LocalStorePath"] = _tokenFile,
                ["Scim__Tokens__CacheSeconds"] = "1",
                ["Scim__Tokens__NegativeCacheSeconds"] = "1",
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
                ["Scim__OAuth__RequireHttpsMetadata"] = "false",
            },
            "/api/sch/scim/v2/ServiceProviderConfig");
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _azurite.DisposeAsync();
        File.Delete(_tokenFile);
    }

    public override async Task<FederatedClient> NewFederatedClientAsync(string issuer, string subject, string audience)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await _organizations!.CreateAsync(id, id, null, CancellationToken.None));
        using var store = new FileTokenStore(_tokenFile);
        return await FederateInAsync(store, id, issuer, subject, audience);
    }

    public override async Task<IssuedClient> NewClientAsync()
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await _organizations!.CreateAsync(id, id, null, CancellationToken.None));
        using var store = new FileTokenStore(_tokenFile);
        return await CreateClientInAsync(store, id);
    }

    public override async Task RevokeAsync(string token)
    {
        using var store = new FileTokenStore(_tokenFile);
        await RevokeInAsync(store, token);
    }

    /// <summary>
    /// Read from what the worker logged through the host (its console logger): the provisioning record's text
    /// ends with <c>request {id}, note {note}: {detail}</c>.
    /// </summary>
    public override async Task<string?> ProvisioningNoteAsync(string requestId)
    {
        var marker = $"request {requestId}, note ";
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var line = HostOutput.Split('\n').FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal));
            if (line is not null)
            {
                var note = line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..];
                return note[..note.IndexOf(':', StringComparison.Ordinal)];
            }

            await Task.Delay(100);
        }

        return null;
    }

    public override async Task<string> NewOrganizationAsync(int? maxSeats = null)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await _organizations!.CreateAsync(id, id, maxSeats, CancellationToken.None));
        return (await _tokens!.IssueAsync(id, CancellationToken.None)).Token;
    }
}

[CollectionDefinition(Name)]
public sealed class RealHostCollection : ICollectionFixture<RealHostServer>
{
    public const string Name = "RealHost";
}
