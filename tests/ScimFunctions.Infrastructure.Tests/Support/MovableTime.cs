namespace ScimFunctions.Infrastructure.Tests.Support;

/// <summary>A clock that tests move forward: from a fixed start, or from the real time when none is given.</summary>
public sealed class MovableTime(DateTimeOffset? start = null) : TimeProvider
{
    private TimeSpan _offset;

    public void Advance(TimeSpan by) => _offset += by;

    public override DateTimeOffset GetUtcNow() => (start ?? base.GetUtcNow()) + _offset;
}
