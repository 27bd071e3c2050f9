using System.Net;
using ScimFunctions.Functions;
using ScimFunctions.Hosting;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.LocalHost;

/// <summary>How to run the local server.</summary>
public sealed record LocalServerSettings
{
    public const int DefaultPort = 7071;
    public const int DefaultAzuritePort = 10002;

    /// <summary>HTTP port on 127.0.0.1 (<c>SCIM_LOCAL_PORT</c>); 0 picks a free one.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Table storage; null for Azurite on <see cref="AzuritePort"/>, started if nothing listens there.</summary>
    public string? StorageConnectionString { get; init; }

    public int AzuritePort { get; init; } = DefaultAzuritePort;

    /// <summary>Organizations and their tokens to register (<c>SCIM_LOCAL_TOKENS</c>); null creates "dev" and issues a new token.</summary>
    public IReadOnlyDictionary<string, string>? Tokens { get; init; }

    /// <summary>Further settings, as the Functions app reads them (e.g. <c>Scim:Tokens:CacheSeconds</c>).</summary>
    public IReadOnlyDictionary<string, string?> Configuration { get; init; } = new Dictionary<string, string?>();

    public string RepositoryRoot { get; init; } = FindRepositoryRoot();

    /// <summary>Further services, after the app's own (tests add in-memory telemetry exporters here).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public static string AzuriteConnectionString(int port) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        + $"TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    /// <summary>Parses <c>org-a=token,org-b=token</c>.</summary>
    public static Dictionary<string, string> ParseTokens(string text)
    {
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                throw new ArgumentException($"SCIM_LOCAL_TOKENS entries are organization=token; '{pair}' is not.", nameof(text));
            }

            tokens[pair[..equals]] = pair[(equals + 1)..];
        }

        return tokens;
    }

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "ScimFunctions.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}

/// <summary>
/// The local SCIM server: the Functions app's function classes on Kestrel at
/// <c>http://127.0.0.1:{port}/api/sch/scim/v2</c>, with Azurite started when needed and development organizations
/// and tokens registered through the same stores the functions use.
/// </summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly LocalAzurite _azurite;

    private LocalServer(WebApplication app, LocalAzurite azurite, string baseUrl, IReadOnlyDictionary<string, string> tokens, bool issued)
    {
        App = app;
        _azurite = azurite;
        BaseUrl = baseUrl;
        Tokens = tokens;
        IssuedNewToken = issued;
    }

    public WebApplication App { get; }

    /// <summary>The SCIM base URL (the Entra ID "Tenant URL").</summary>
    public string BaseUrl { get; }

    /// <summary>Organization id to token.</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; }

    public bool IssuedNewToken { get; }

    public static async Task<LocalServer> StartAsync(LocalServerSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var azurite = settings.StorageConnectionString is null
            ? await LocalAzurite.EnsureRunningAsync(settings.RepositoryRoot, settings.AzuritePort, output, cancellationToken).ConfigureAwait(false)
            : LocalAzurite.None;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = settings.RepositoryRoot });
            var defaults = new Dictionary<string, string?>
            {
                ["Scim:Storage:ConnectionString"] = settings.StorageConnectionString ?? LocalServerSettings.AzuriteConnectionString(settings.AzuritePort),
                ["Scim:KeyVault:LocalStorePath"] = Path.Combine(settings.RepositoryRoot, ".scim", "tokens.json"),

                // The local server is for development: the local token file is allowed (AddScim refuses it elsewhere).
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:ScimFunctions"] = "Information",
            };
            foreach (var (key, value) in settings.Configuration)
            {
                defaults[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(defaults);
            builder.Configuration.AddEnvironmentVariables();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, settings.Port));
            builder.Services.AddScim(builder.Configuration);
            builder.Services.AddScimTelemetry(builder.Configuration);
            builder.Services.AddSingleton<TokenIssuer>();
            settings.ConfigureServices?.Invoke(builder.Services);
            var app = builder.Build();
            FunctionRoutes.Map(app, FunctionRoutes.Discover(typeof(UserFunctions).Assembly));

            // Organizations and tokens exist before the first request can arrive: a token used too early would be
            // remembered as unknown by the authenticator's negative cache.
            var (tokens, issued) = await RegisterOrganizationsAsync(app.Services, settings.Tokens, cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var port = new Uri(app.Urls.First()).Port;
            return new LocalServer(app, azurite, $"http://127.0.0.1:{port}/api/sch/scim/v2", tokens, issued);
        }
        catch
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        await _azurite.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<(IReadOnlyDictionary<string, string> Tokens, bool Issued)> RegisterOrganizationsAsync(
        IServiceProvider services, IReadOnlyDictionary<string, string>? requested, CancellationToken cancellationToken)
    {
        var table = services.GetRequiredService<ScimTable>();
        await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var organizations = services.GetRequiredService<OrganizationStore>();
        var issuer = services.GetRequiredService<TokenIssuer>();
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        if (requested is null)
        {
            await organizations.CreateAsync("dev", "Development organization", null, cancellationToken).ConfigureAwait(false);
            tokens["dev"] = (await issuer.IssueAsync("dev", cancellationToken).ConfigureAwait(false)).Token;
            return (tokens, true);
        }

        foreach (var (organization, token) in requested)
        {
            await organizations.CreateAsync(organization, organization, null, cancellationToken).ConfigureAwait(false);
            await issuer.RegisterAsync(organization, token, cancellationToken).ConfigureAwait(false);
            tokens[organization] = token;
        }

        return (tokens, false);
    }
}
