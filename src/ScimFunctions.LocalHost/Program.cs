using System.Globalization;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.LocalHost;

// The README's "Run it": the SCIM endpoint on http://127.0.0.1:7071/api/sch/scim/v2 with Azurite and a dev token.
var settings = new LocalServerSettings
{
    Port = int.TryParse(Environment.GetEnvironmentVariable("SCIM_LOCAL_PORT"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var port)
        ? port
        : LocalServerSettings.DefaultPort,
    Tokens = Environment.GetEnvironmentVariable("SCIM_LOCAL_TOKENS") is { Length: > 0 } tokens ? LocalServerSettings.ParseTokens(tokens) : null,

    // Storage configured in the environment (as the Functions app reads it) is used as it is; the emulator's
    // shorthand means Azurite on its default port, started when nothing listens there.
    StorageConnectionString = Environment.GetEnvironmentVariable("Scim__Storage__ConnectionString") is { Length: > 0 } storage
        && !storage.Equals("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase)
            ? storage
            : null,
};

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

LocalServer server;
try
{
    server = await LocalServer.StartAsync(settings, Console.Out, stop.Token);
}
catch (StorageUnavailableException)
{
    await Console.Error.WriteLineAsync("Table storage is not reachable. Check Scim__Storage__ConnectionString, or unset it to use Azurite.");
    return 1;
}

await using var running = server;
Console.WriteLine();
Console.WriteLine($"SCIM base URL (Tenant URL): {server.BaseUrl}");
foreach (var (organization, token) in server.Tokens)
{
    Console.WriteLine(server.IssuedNewToken
        ? $"Organization '{organization}', new token (shown once): {token}"
        : $"Organization '{organization}' registered with its SCIM_LOCAL_TOKENS token.");
}

Console.WriteLine($"Try: curl -H \"Authorization: Bearer <token>\" {server.BaseUrl}/ServiceProviderConfig");
Console.WriteLine("Press Ctrl+C to stop.");

// Ctrl+C, or SIGTERM (which the host turns into ApplicationStopping): stop the server and the Azurite it started.
using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, server.App.Lifetime.ApplicationStopping);
try
{
    await Task.Delay(Timeout.Infinite, stopping.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine("Stopping.");
}

return 0;
