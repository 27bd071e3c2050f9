using System.Diagnostics;
using System.Globalization;

namespace ScimFunctions.Testing;

/// <summary>
/// The real Azure Functions host (built from ../shared/functions-host, see its README) running the Functions app's
/// build output on a loopback port, with the app settings given as environment variables, as in Azure. The host starts
/// the worker itself; it answers 2.5 to 3 s after start.
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private FunctionsHost(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    /// <summary>What the host and its worker printed (for a failing test's message).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.TakeLast(200));
            }
        }
    }

    /// <summary>The folder of ../shared/functions-host (or <c>FUNCTIONS_HOST_DIR</c>).</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("FUNCTIONS_HOST_DIR")
        ?? Path.GetFullPath(Path.Combine(Azurite.RepositoryRoot(), "..", "shared", "functions-host"));

    /// <summary>The Functions app's build output, in the configuration these tests were built in.</summary>
    public static string AppDirectory()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Release";
        return Path.Combine(Azurite.RepositoryRoot(), "src", "ScimFunctions", "bin", configuration, "net10.0");
    }

    /// <summary>Starts the host and waits until <paramref name="readyPath"/> answers (any status).</summary>
    public static async Task<FunctionsHost> StartAsync(IReadOnlyDictionary<string, string> settings, string readyPath, TimeSpan? timeout = null)
    {
        var script = Path.Combine(Directory, "run.sh");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"The Functions host is not there ({script} is missing); see ../shared/functions-host/README.md.");
        }

        var port = Azurite.FreePort();
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { script, AppDirectory(), port.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The Functions host did not start.");
        var host = new FunctionsHost(process, port);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The Functions host exited with code {process.ExitCode}:\n{host.Output}");
            }

            try
            {
                using var response = await http.GetAsync(host.BaseUrl + readyPath);
                if (response.Content.Headers.ContentType?.MediaType is not null)
                {
                    return host;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        await host.DisposeAsync();
        throw new TimeoutException($"The Functions host did not answer {readyPath} in time:\n{host.Output}");
    }

    /// <summary>SIGTERM (a graceful shutdown), then the whole process tree after a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 2000)
            {
                _output.RemoveRange(0, 1000);
            }
        }
    }
}
