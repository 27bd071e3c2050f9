using System.Diagnostics;

namespace ScimFunctions.LoadTest;

/// <summary>
/// The app's instances under test, each its own process (the local server, or the Functions app under the real
/// Functions host), and the HTTP clients that spread requests over them round-robin, as Flex Consumption's front
/// does: request i goes to instance i mod N.
/// </summary>
internal sealed class Instances(IReadOnlyList<Process> processes, IReadOnlyList<HttpClient> clients) : IDisposable
{
    private long _next = -1;
    private bool _disposed;

    public IReadOnlyList<Process> Processes => processes;

    public int Count => clients.Count;

    private HttpClient Next() => clients[(int)(Interlocked.Increment(ref _next) % clients.Count)];

    public Task<HttpResponseMessage> GetAsync(string path) => Next().GetAsync(path);

    public Task<HttpResponseMessage> PostAsync(string path, HttpContent content) => Next().PostAsync(path, content);

    public Task<HttpResponseMessage> PatchAsync(string path, HttpContent content) => Next().PatchAsync(path, content);

    public Task<HttpResponseMessage> DeleteAsync(string path) => Next().DeleteAsync(path);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var client in clients)
        {
            client.Dispose();
        }

        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }
}
