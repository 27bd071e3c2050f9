using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace ScimFunctions.LoadTest;

/// <summary>Latencies and outcomes of one phase.</summary>
internal sealed class Phase(string name)
{
    private readonly ConcurrentBag<double> _latencies = [];
    private readonly ConcurrentDictionary<int, int> _statuses = new();

    public string Name => name;

    public TimeSpan Elapsed { get; set; }

    public int Operations => _latencies.Count;

    public double OpsPerSecond => Operations / Elapsed.TotalSeconds;

    public void Record(double milliseconds, int status)
    {
        _latencies.Add(milliseconds);
        _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
    }

    public double Percentile(double p)
    {
        var sorted = _latencies.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }

    public string Errors => string.Join(", ", _statuses.Where(s => s.Key is >= 400 or 0).OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")) is { Length: > 0 } e ? e : "none";

    public string Row(Phase? raw) => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Operations} | {OpsPerSecond:F0} | {Percentile(50):F1} | {Percentile(95):F1} | {Percentile(99):F1} | {Errors} | {(raw is null ? "" : $"{raw.OpsPerSecond:F0} ({100 * OpsPerSecond / raw.OpsPerSecond:F0}%)")} |");

    /// <summary>Runs <paramref name="count"/> operations on <paramref name="concurrency"/> workers; each returns its status.</summary>
    public static async Task<Phase> RunAsync(string name, int count, int concurrency, Func<int, Task<int>> operation)
    {
        var phase = new Phase(name);
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (true)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= count)
                {
                    return;
                }

                var start = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    status = await operation(i);
                }
                catch (HttpRequestException)
                {
                    status = 0;
                }

                phase.Record(Stopwatch.GetElapsedTime(start).TotalMilliseconds, status);
            }
        }));
        phase.Elapsed = clock.Elapsed;
        return phase;
    }
}
