using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ScimFunctions.LocalHost;

/// <summary>
/// Starts Azurite's table service when the configured storage is the local emulator and nothing listens on its
/// port: installs it with <c>npm ci</c> from the repository's lockfile if needed, keeps its data under
/// <c>.scim/azurite</c>, and stops it when the server stops.
/// </summary>
internal sealed class LocalAzurite : IAsyncDisposable
{
    private readonly Process? _process;

    private LocalAzurite(Process? process) => _process = process;

    /// <summary>Nothing to start or stop: storage is configured elsewhere.</summary>
    public static LocalAzurite None { get; } = new(null);

    public bool Started => _process is not null;

    public static async Task<LocalAzurite> EnsureRunningAsync(string repositoryRoot, int port, TextWriter output, CancellationToken cancellationToken)
    {
        if (await ListensAsync(port, cancellationToken).ConfigureAwait(false))
        {
            return new LocalAzurite(null);
        }

        var executable = Path.Combine(repositoryRoot, "node_modules", ".bin", "azurite-table");
        if (!File.Exists(executable))
        {
            await output.WriteLineAsync("Installing Azurite (npm ci)...").ConfigureAwait(false);
            using var npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error") { WorkingDirectory = repositoryRoot })
                ?? throw new InvalidOperationException("npm could not be started; install Node.js 20 or later.");
            await npm.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci failed with exit code {npm.ExitCode}.");
            }
        }

        var location = Path.Combine(repositoryRoot, ".scim", "azurite");
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", location, "--skipApiVersionCheck", "--silent" },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await ListensAsync(port, cancellationToken).ConfigureAwait(false))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("Azurite did not start listening; see 'npx azurite-table --help'.");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"Started Azurite (tables) on 127.0.0.1:{port}, data in {location}").ConfigureAwait(false);
        return new LocalAzurite(process);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process?.Dispose();
    }

    private static async Task<bool> ListensAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
