using System.Diagnostics;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Admin;

/// <summary>
/// Where the CLI acts: the SCIM table and the token store of a deployment (Azure) or of the local setup (Azurite and
/// the local token file). The same classes the functions use.
/// </summary>
/// <param name="Table">The SCIM table.</param>
/// <param name="Tokens">Where token hashes live.</param>
/// <param name="Description">What the target is, printed before every change: endpoints and token store.</param>
/// <param name="IsLocal">Azurite and the local token file: changes need no confirmation.</param>
public sealed record AdminTarget(ScimTable Table, ITokenStore Tokens, string Description, bool IsLocal = false)
{
    public const string LocalConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

    /// <summary>
    /// Resolves the target: exactly one of <c>--local</c>, <c>--azd</c> (runs <c>azd env get-values</c>), explicit
    /// endpoints (<c>--table-endpoint</c> and <c>--vault-uri</c>, or <c>--connection-string</c>), or, when none is
    /// given, the environment (the names <c>azd env get-values</c> prints). What is named on the command line always
    /// wins over the environment; two ways of naming a target at once are refused.
    /// </summary>
    public static AdminTarget Resolve(AdminOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        var named = new[]
        {
            options.Local ? "--local" : null,
            options.FromAzd ? "--azd" : null,
            options.TableEndpoint is not null || options.VaultUri is not null || options.ConnectionString is not null ? "explicit endpoints" : null,
        }.OfType<string>().ToList();
        if (named.Count > 1 || (options.ConnectionString is not null && options.TableEndpoint is not null))
        {
            throw new AdminException(
                $"Name one target: {(named.Count > 1 ? string.Join(" and ", named) : "--connection-string and --table-endpoint")} were both given.",
                ExitCodes.Usage);
        }

        var values = options.FromAzd ? AzdValues() : new Dictionary<string, string>(StringComparer.Ordinal);
        var useEnvironment = named.Count == 0;
        string? Setting(string? option, string name) =>
            option
            ?? (values.TryGetValue(name, out var value) && value.Length > 0 ? value : null)
            ?? (useEnvironment ? environment(name) : null);

        var tableName = Setting(options.TableName, "SCIM_TABLE_NAME") ?? "scim";
        var connectionString = options.ConnectionString ?? (useEnvironment ? environment("SCIM_STORAGE_CONNECTION_STRING") : null);
        var tableEndpoint = Setting(options.TableEndpoint, "AZURE_STORAGE_TABLE_ENDPOINT");
        var vaultUri = Setting(options.VaultUri, "AZURE_KEY_VAULT_ENDPOINT");
        var tableOptions = new TableClientOptions { Retry = { MaxRetries = 2, NetworkTimeout = TimeSpan.FromSeconds(15) } };

        if (options.Local || (connectionString is not null && vaultUri is null))
        {
            var tokenFile = options.LocalTokenStore ?? Path.Combine(".scim", "tokens.json");
            var client = new TableServiceClient(connectionString ?? LocalConnectionString, tableOptions).GetTableClient(tableName);
            var local = connectionString is null || connectionString.Contains("127.0.0.1", StringComparison.Ordinal)
                || connectionString.Contains("localhost", StringComparison.OrdinalIgnoreCase) || connectionString.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase);
            return new AdminTarget(new ScimTable(client), new FileTokenStore(tokenFile),
                $"{(local ? "local storage" : "storage from the connection string")} (table {tableName}), token hashes in {tokenFile}", local);
        }

        if (tableEndpoint is null || vaultUri is null)
        {
            throw new AdminException(
                "No target: pass --azd (inside an azd environment), --local (Azurite and .scim/tokens.json), or --table-endpoint and --vault-uri.",
                ExitCodes.Usage);
        }

        TokenCredential credential = new DefaultAzureCredential();
        var table = connectionString is not null
            ? new TableServiceClient(connectionString, tableOptions).GetTableClient(tableName)
            : new TableServiceClient(new Uri(tableEndpoint), credential, tableOptions).GetTableClient(tableName);
        var secrets = new SecretClient(new Uri(vaultUri), credential, new SecretClientOptions { Retry = { MaxRetries = 2, NetworkTimeout = TimeSpan.FromSeconds(15) } });
        return new AdminTarget(new ScimTable(table), new KeyVaultTokenStore(secrets), $"{tableEndpoint} ({tableName}), {vaultUri}");
    }

    /// <summary>The values of the current azd environment (<c>KEY="value"</c> lines).</summary>
    private static Dictionary<string, string> AzdValues()
    {
        try
        {
            using var azd = Process.Start(new ProcessStartInfo("azd", "env get-values") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = azd.StandardOutput.ReadToEnd();
            azd.WaitForExit();
            if (azd.ExitCode != 0)
            {
                throw new AdminException("'azd env get-values' failed: run it inside the azd project after 'azd up'.", ExitCodes.Usage);
            }

            return ParseAzdValues(output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new AdminException("azd is not installed; pass --table-endpoint and --vault-uri instead.", ExitCodes.Usage);
        }
    }

    public static Dictionary<string, string> ParseAzdValues(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..].Trim('"');
            }
        }

        return values;
    }
}

/// <summary>Global options of the CLI.</summary>
public sealed record AdminOptions
{
    public bool Json { get; init; }

    public bool Local { get; init; }

    public bool FromAzd { get; init; }

    public string? VaultUri { get; init; }

    public string? TableEndpoint { get; init; }

    public string? TableName { get; init; }

    public string? ConnectionString { get; init; }

    public string? LocalTokenStore { get; init; }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Conflict = 4;
    public const int Unavailable = 5;
    public const int Forbidden = 6;
}

/// <summary>An error the CLI reports in one line, with its exit code.</summary>
public sealed class AdminException : Exception
{
    public AdminException(string message, int exitCode)
        : base(message) => ExitCode = exitCode;

    public AdminException()
    {
    }

    public AdminException(string message)
        : base(message)
    {
    }

    public AdminException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = ExitCodes.Usage;
}
