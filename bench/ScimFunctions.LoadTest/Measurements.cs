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

    /// <summary>Ours against raw in each alternating round (empty when the phase did not alternate).</summary>
    public List<double> Ratios { get; } = [];

    public string Row(Phase? raw) => string.Create(CultureInfo.InvariantCulture,
        $"| {Name} | {Operations} | {OpsPerSecond:F0} | {Percentile(50):F1} | {Percentile(95):F1} | {Percentile(99):F1} | {Errors} | {(raw is null ? "" : $"{raw.OpsPerSecond:F0} ({Ratio(raw)})")} |");

    /// <summary>The median of the rounds' ratios with their range, or the whole phases' ratio when it did not alternate.</summary>
    private string Ratio(Phase raw)
    {
        if (Ratios.Count == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{100 * OpsPerSecond / raw.OpsPerSecond:F0}%");
        }

        var sorted = Ratios.Order().ToList();
        var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"median {100 * median:F0}% of {sorted.Count} rounds, {100 * sorted[0]:F0}–{100 * sorted[^1]:F0}%");
    }

    private void Add(Phase other)
    {
        foreach (var latency in other._latencies)
        {
            _latencies.Add(latency);
        }

        foreach (var (status, count) in other._statuses)
        {
            _statuses.AddOrUpdate(status, count, (_, n) => n + count);
        }

        Elapsed += other.Elapsed;
    }

    /// <summary>
    /// Runs ours and raw in <paramref name="rounds"/> alternating rounds over consecutive slices of
    /// <paramref name="count"/> operations (which one goes first alternates too), so that both see the same machine:
    /// the noise here is large and drifts. Ours carries each round's ratio; the row shows their median.
    /// </summary>
    public static async Task<(Phase Ours, Phase Raw)> AlternateAsync(
        string name, string rawName, int count, int concurrency, int rounds, Func<int, Task<int>> ours, Func<int, Task<int>> raw)
    {
        var oursTotal = new Phase(name);
        var rawTotal = new Phase(rawName);
        rounds = Math.Clamp(rounds, 1, count);
        for (var round = 0; round < rounds; round++)
        {
            var from = round * count / rounds;
            var size = ((round + 1) * count / rounds) - from;
            Phase o, r;
            if (round % 2 == 0)
            {
                o = await RunAsync(name, size, concurrency, i => ours(from + i));
                r = await RunAsync(rawName, size, concurrency, i => raw(from + i));
            }
            else
            {
                r = await RunAsync(rawName, size, concurrency, i => raw(from + i));
                o = await RunAsync(name, size, concurrency, i => ours(from + i));
            }

            oursTotal.Add(o);
            rawTotal.Add(r);
            oursTotal.Ratios.Add(o.OpsPerSecond / r.OpsPerSecond);
        }

        return (oursTotal, rawTotal);
    }

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
