using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;

namespace ScimFunctions.Testing;

/// <summary>
/// Starts the real Table Storage emulator (Azurite, installed by <c>npm ci</c> from the repository's lockfile) on a
/// free loopback port with in-memory persistence, and stops it when the tests end.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process? _process;


    public int Port { get; private set; }

    /// <summary>Blob and queue too (the Functions host keeps its own state in <c>AzureWebJobsStorage</c>), not table only.</summary>
    public bool AllServices { get; init; }

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public string ConnectionString => AllServices
        ? $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;"
        : $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public TableServiceClient ServiceClient(int retries = 0) =>
        new(ConnectionString, new TableClientOptions { Retry = { MaxRetries = retries, NetworkTimeout = TimeSpan.FromSeconds(10) } });

    public async Task InitializeAsync()
    {
        Port = FreePort();
        BlobPort = AllServices ? FreePort() : 0;
        QueuePort = AllServices ? FreePort() : 0;
        await StartAsync();
    }

    /// <summary>
    /// Stops the emulator (connections are then refused; its in-memory data is gone); <see cref="StartAsync"/> starts
    /// an empty one on the same port. <see cref="PauseAsync"/> takes storage away and gives it back with its data.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Freezes the emulator (SIGSTOP): connections are accepted but nothing answers, as in a storage outage.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused emulator go on (SIGCONT), with all its data.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task StartAsync()
    {
        var executable = Path.Combine(RepositoryRoot(), "node_modules", ".bin", AllServices ? "azurite" : "azurite-table");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed ({executable} is missing): run 'npm ci' at the repository root.");
        }

        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "--inMemoryPersistence", "--tableHost", "127.0.0.1", "--tablePort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--skipApiVersionCheck", "--silent" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (AllServices)
        {
            foreach (var argument in new[] { "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("Azurite did not listen within 30 seconds.");
    }

    public Task DisposeAsync() => StopAsync();

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ScimFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (ScimFunctions.sln) was not found.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
