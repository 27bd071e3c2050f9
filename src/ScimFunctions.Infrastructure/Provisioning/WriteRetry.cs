namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>Back-off between attempts of a write that lost an optimistic-concurrency race.</summary>
internal static class WriteRetry
{
    public static Task DelayAsync(int attempt, CancellationToken cancellationToken)
    {
        // Jittered, growing to 50 ms: racing writers spread out instead of colliding again.
        var ceiling = Math.Min(50, 2 + (attempt * 3));
        return Task.Delay(Random.Shared.Next(1, ceiling + 1), cancellationToken);
    }
}
