using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Azure.Security.KeyVault.Secrets;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Schema;
using ScimFunctions.Http;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Telemetry;

namespace ScimFunctions.Hosting;

/// <summary>
/// Everything the SCIM functions need, registered the same way for the Functions host and the local server. Every
/// setting read here is documented in local.settings.sample.json.
/// </summary>
public static class ScimServiceCollectionExtensions
{
    public static IServiceCollection AddScim(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var scim = configuration.GetSection("Scim");
        var storage = scim.GetSection("Storage").Get<StorageSettings>() ?? new StorageSettings();
        var tokens = scim.GetSection("KeyVault").Get<TokenStoreSettings>() ?? new TokenStoreSettings();
        var host = scim.Get<ScimHostOptions>() ?? new ScimHostOptions();
        var authentication = scim.GetSection("Tokens").Get<TokenAuthenticationOptions>() ?? new TokenAuthenticationOptions();
        var provisioning = scim.GetSection("Provisioning").Get<ProvisioningOptions>() ?? new ProvisioningOptions();
        var extensions = scim.GetSection("Extensions").Get<List<ExtensionSchemaOptions>>() ?? [];
        var rateLimit = scim.GetSection("RateLimit").Get<RateLimitOptions>() ?? new RateLimitOptions();
        var oauth = scim.GetSection("OAuth").Get<OAuthOptions>() ?? new OAuthOptions();
        var federation = scim.GetSection("OAuth").Get<FederationOptions>() ?? new FederationOptions();
        var events = scim.GetSection("Events").Get<EventSettings>() ?? new EventSettings();

        if (tokens.VaultUri is null && !IsDevelopment(configuration))
        {
            throw new InvalidOperationException(
                "Scim:KeyVault:VaultUri (app setting Scim__KeyVault__VaultUri) is not set. Outside Development the token hashes "
                + "must be in Key Vault: the local token file is for development only (AZURE_FUNCTIONS_ENVIRONMENT=Development).");
        }

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(host);
        services.AddSingleton(authentication);
        services.AddSingleton(provisioning);
        services.AddSingleton(storage);
        services.AddSingleton(rateLimit);
        services.AddSingleton(oauth);
        services.AddSingleton(federation);
        services.AddSingleton(events);
        services.AddSingleton(sp => EventQueue(events, storage, sp.GetRequiredService<TokenCredential>, IsDevelopment(configuration)));
        services.AddSingleton<OrganizationRateLimiter>();
        services.AddSingleton(ScimSchemaRegistry.Create(extensions));
        services.AddSingleton<TokenCredential>(_ => Credential(configuration));
        services.AddSingleton(sp => new ScimTable(TableClient(storage, sp.GetRequiredService<TokenCredential>)));
        services.AddSingleton<ITokenStore>(sp => tokens.VaultUri is { } vault
            ? new KeyVaultTokenStore(new SecretClient(vault, sp.GetRequiredService<TokenCredential>(), new SecretClientOptions
            {
                Retry = { MaxRetries = 2, NetworkTimeout = TimeSpan.FromSeconds(5) },
            }))
            : new FileTokenStore(tokens.LocalStorePath));
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<FederatedAssertions>();
        services.AddSingleton<ClientCredentials>();
        services.AddSingleton<OAuthTokenEndpoint>();
        services.AddSingleton(sp => new ProvisioningServices(
            sp.GetRequiredService<ScimTable>(),
            sp.GetRequiredService<ScimSchemaRegistry>(),
            provisioning,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IEventQueue>()));
        services.AddSingleton(sp => sp.GetRequiredService<ProvisioningServices>().Outbox);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisioningServices>().Journal);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisioningServices>().Guard);
        services.AddHostedService<ChangeEventDispatcher>();
        services.AddSingleton(sp => sp.GetRequiredService<ProvisioningServices>().Organizations);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisioningServices>().Counters);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisioningServices>().Users);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisioningServices>().Groups);
        services.AddSingleton<RootSearch>();
        services.AddSingleton<DiscoveryService>();
        services.AddSingleton<ScimEndpoint>();
        if (storage.CreateTableIfMissing)
        {
            services.AddHostedService<StorageInitializer>();
        }

        return services;
    }

    private static readonly string[] EnvironmentSettings = ["AZURE_FUNCTIONS_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT"];

    /// <summary>The Functions, .NET or ASP.NET Core environment name is Development.</summary>
    private static bool IsDevelopment(IConfiguration configuration) =>
        EnvironmentSettings
            .Select(name => configuration[name])
            .FirstOrDefault(value => !string.IsNullOrWhiteSpace(value)) is { } environment
        && environment.Equals(Environments.Development, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Traces and logs through OpenTelemetry: to Application Insights with the Azure Monitor exporter when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (with the managed identity when
    /// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> says <c>Authorization=AAD</c>); otherwise the console logger shows them.
    /// </summary>
    public static OpenTelemetryBuilder AddScimTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var useIdentity = configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true;
        var credential = useIdentity ? Credential(configuration) : null;
        var builder = services.AddOpenTelemetry();
        builder.WithTracing(tracing =>
        {
            // ASP.NET Core's request spans are the parents of ours: recording them keeps ours sampled.
            tracing.AddSource(ProvisioningTelemetry.SourceName, "Microsoft.AspNetCore");
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                tracing.AddAzureMonitorTraceExporter(o => o.ConnectionString = connectionString, credential);
            }
        });
        builder.WithLogging(logging =>
        {
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                logging.AddAzureMonitorLogExporter(o => o.ConnectionString = connectionString, credential);
            }
        });
        return builder;
    }

    /// <summary>
    /// The event queue: identity-based with <c>Scim:Events:QueueServiceUri</c> (Azure), else a connection string (its own,
    /// or the storage one when it names a queue endpoint). Without either, events wait in the outbox: allowed only in
    /// Development, as the product depends on them.
    /// </summary>
    private static IEventQueue EventQueue(EventSettings events, StorageSettings storage, Func<TokenCredential> credential, bool development)
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.Retry.MaxRetries = storage.MaxRetries;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(storage.NetworkTimeoutSeconds);
        if (events.QueueServiceUri is { } uri)
        {
            return new StorageQueueEventQueue(new QueueServiceClient(uri, credential(), options).GetQueueClient(events.QueueName));
        }

        var connectionString = events.ConnectionString
            ?? (storage.ConnectionString?.Contains("QueueEndpoint=", StringComparison.OrdinalIgnoreCase) == true
                || storage.ConnectionString?.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase) == true
                ? storage.ConnectionString
                : null);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageQueueEventQueue(new QueueServiceClient(connectionString, options).GetQueueClient(events.QueueName));
        }

        return development
            ? new UnconfiguredEventQueue()
            : throw new InvalidOperationException(
                "Scim:Events:QueueServiceUri (app setting Scim__Events__QueueServiceUri) is not set: change events would never leave the outbox.");
    }

    private static TableClient TableClient(StorageSettings storage, Func<TokenCredential> credential)
    {
        var options = new TableClientOptions
        {
            Retry = { MaxRetries = storage.MaxRetries, NetworkTimeout = TimeSpan.FromSeconds(storage.NetworkTimeoutSeconds), Delay = TimeSpan.FromMilliseconds(200) },
        };
        if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            return new TableServiceClient(storage.ConnectionString, options).GetTableClient(storage.TableName);
        }

        if (storage.TableServiceUri is null)
        {
            throw new InvalidOperationException("Set Scim:Storage:ConnectionString (local) or Scim:Storage:TableServiceUri (Azure, identity-based).");
        }

        return new TableServiceClient(storage.TableServiceUri, credential(), options).GetTableClient(storage.TableName);
    }

    /// <summary>The app's identity: the user-assigned managed identity named by <c>AZURE_CLIENT_ID</c> in Azure, the developer's sign-in locally.</summary>
    private static DefaultAzureCredential Credential(IConfiguration configuration) =>
        new(new DefaultAzureCredentialOptions { ManagedIdentityClientId = configuration["AZURE_CLIENT_ID"] });

    /// <summary>Creates the table when it is missing, without stopping the host if storage is down.</summary>
    private sealed class StorageInitializer(ScimTable table) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (StorageUnavailableException)
            {
                // Requests answer 503 until storage is back; nothing to do at start-up.
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
