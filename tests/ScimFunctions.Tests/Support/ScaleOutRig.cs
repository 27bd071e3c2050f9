using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Diagnostics;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.LocalHost;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.Support;

/// <summary>
/// Several instances of the app (each its own process memory: own caches, page boundaries, rate limits) on one
/// Azurite, behind a round-robin front, as Flex Consumption scales out. Optionally with a storage fault proxy
/// between the instances and Azurite.
/// </summary>
public class ScaleOutRig : ScimHttp, IAsyncLifetime
{
    private readonly Azurite _azurite = new();
    private readonly List<LocalServer> _instances = [];
    private readonly int _instanceCount;
    private readonly bool _faults;
    private RoundRobinFront? _front;

    public ScaleOutRig()
        : this(3, faults: false)
    {
    }

    protected ScaleOutRig(int instances, bool faults)
    {
        _instanceCount = instances;
        _faults = faults;
    }

    public override string BaseUrl => _front!.Url + "/api/sch/scim/v2";

    public override string StorageConnectionString => _azurite.ConnectionString;

    public string TokenFile { get; } = Path.Combine(Path.GetTempPath(), "scim-scaleout-" + Guid.NewGuid().ToString("N") + ".json");

    /// <summary>The table as every instance sees it (without faults), for the invariant checker.</summary>
    public ScimTable Table { get; private set; } = null!;

    public StorageFaultProxy? Faults { get; private set; }

    public RoundRobinFront Front => _front!;

    public OrganizationStore Organizations { get; private set; } = null!;

    public int InstanceCount => _instanceCount;

    /// <summary>What every instance logged (the provisioning records among it).</summary>
    public List<LogRecord> Logs { get; } = [];

    /// <summary>The log lines of one request, for a failing test's message.</summary>
    public string LogsOf(string? requestId) => string.Join('\n', Logs.ToList()
        .Where(l => l.Attributes?.Any(a => a.Key == "RequestId" && Equals(a.Value, requestId)) == true)
        .Select(l => $"{l.LogLevel} {l.EventId.Name} {string.Join(", ", l.Attributes!.Select(a => $"{a.Key}={a.Value}"))} {l.Exception}"));

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        Table = new ScimTable(new TableServiceClient(_azurite.ConnectionString).GetTableClient("scim"));
        await Table.CreateIfNotExistsAsync(CancellationToken.None);
        Organizations = new OrganizationStore(Table, TimeProvider.System);
        if (_faults)
        {
            Faults = await StorageFaultProxy.StartAsync(_azurite.Port);
        }

        for (var i = 0; i < _instanceCount; i++)
        {
            _instances.Add(await LocalServer.StartAsync(
                new LocalServerSettings
                {
                    Port = 0,
                    StorageConnectionString = Faults?.ConnectionString ?? _azurite.ConnectionString,
                    Tokens = new Dictionary<string, string>(),
                    Configuration = new Dictionary<string, string?>
                    {
                        ["Scim:KeyVault:LocalStorePath"] = TokenFile,
                        ["Scim:Tokens:CacheSeconds"] = "1",
                        ["Scim:Tokens:NegativeCacheSeconds"] = "1",
                        ["Scim:RateLimit:RequestsPerSecond"] = "0",
                    },
                    ConfigureServices = services => services.AddOpenTelemetry().WithLogging(logging => logging.AddInMemoryExporter(Logs)),
                },
                TextWriter.Null,
                CancellationToken.None));
        }

        _front = await RoundRobinFront.StartAsync([.. _instances.Select(i => new Uri(i.BaseUrl).GetLeftPart(UriPartial.Authority))]);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_front is not null)
        {
            await _front.DisposeAsync();
        }

        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        if (Faults is not null)
        {
            await Faults.DisposeAsync();
        }

        await _azurite.DisposeAsync();
        File.Delete(TokenFile);
    }

    public override async Task<string> NewOrganizationAsync(int? maxSeats = null) => (await NewOrganizationWithIdAsync(maxSeats)).Token;

    public override async Task<FederatedClient> NewFederatedClientAsync(string issuer, string subject, string audience)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await Organizations.CreateAsync(id, id, null, CancellationToken.None));
        using var store = new FileTokenStore(TokenFile);
        return await FederateInAsync(store, id, issuer, subject, audience);
    }

    public override async Task<IssuedClient> NewClientAsync()
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await Organizations.CreateAsync(id, id, null, CancellationToken.None));
        using var store = new FileTokenStore(TokenFile);
        return await CreateClientInAsync(store, id);
    }

    public override async Task RevokeAsync(string token)
    {
        using var store = new FileTokenStore(TokenFile);
        await RevokeInAsync(store, token);
    }

    public override Task<string?> ProvisioningNoteAsync(string requestId) => Task.FromResult(
        Logs.ToList().FirstOrDefault(l => l.Attributes?.Any(a => a.Key == "RequestId" && Equals(a.Value, requestId)) == true)?
            .Attributes!.FirstOrDefault(a => a.Key == "Note").Value?.ToString());

    public async Task<(string Id, string Token)> NewOrganizationWithIdAsync(int? maxSeats = null)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await Organizations.CreateAsync(id, id, maxSeats, CancellationToken.None));
        using var store = new FileTokenStore(TokenFile);
        return (id, (await new TokenIssuer(store, TimeProvider.System).IssueAsync(id, CancellationToken.None)).Token);
    }

    public async Task AssertConsistentAsync(string organizationId)
    {
        var problems = await OrganizationInvariantChecker.CheckAsync(Table, organizationId);
        Assert.True(problems.Count == 0, "Invariants violated:\n" + string.Join('\n', problems));
    }
}

/// <summary>Three instances behind the front, storage through the fault proxy (no faults until a test sets them).</summary>
public sealed class FaultyScaleOutRig() : ScaleOutRig(3, faults: true);

[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutRig>
{
    public const string Name = "ScaleOut";
}

[CollectionDefinition(Name)]
public sealed class FaultyScaleOutCollection : ICollectionFixture<FaultyScaleOutRig>
{
    public const string Name = "FaultyScaleOut";
}
