using System.Collections.Concurrent;

namespace ScimFunctions.Http;

/// <summary>Requests per second each organization may send (configuration section <c>Scim:RateLimit</c>).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained rate per organization and instance; well above Entra ID's 25 requests/s. 0 turns the limit off.</summary>
    public double RequestsPerSecond { get; set; } = 200;

    /// <summary>Requests an organization may send at once above the rate.</summary>
    public int Burst { get; set; } = 400;
}

/// <summary>
/// A token bucket per organization: a request over the rate is answered 429 with the seconds until a request fits,
/// so one organization's flood cannot take the service from the others.
/// </summary>
public sealed class OrganizationRateLimiter(RateLimitOptions options, TimeProvider time)
{
    private const int MaxOrganizations = 100_000;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Null when the request may proceed, else the seconds to wait.</summary>
    public int? TryAcquire(string organizationId)
    {
        if (options.RequestsPerSecond <= 0)
        {
            return null;
        }

        if (_buckets.Count > MaxOrganizations)
        {
            _buckets.Clear();
        }

        var bucket = _buckets.GetOrAdd(organizationId, _ => new Bucket(options.Burst, time.GetTimestamp()));
        lock (bucket)
        {
            var now = time.GetTimestamp();
            bucket.Tokens = Math.Min(options.Burst, bucket.Tokens + (time.GetElapsedTime(bucket.Stamp, now).TotalSeconds * options.RequestsPerSecond));
            bucket.Stamp = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return null;
            }

            return Math.Max(1, (int)Math.Ceiling((1 - bucket.Tokens) / options.RequestsPerSecond));
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens { get; set; } = tokens;

        public long Stamp { get; set; } = stamp;
    }
}
