using System.Text;

namespace ScimFunctions.Infrastructure.Events;

/// <summary>
/// Queue messages of change events (docs/events.md): one message carries consecutive events of one organization in
/// commit order, <c>{"events":[…]}</c>, so that a burst of changes costs a few queue requests instead of one each.
/// A message stays below the queue's 64 KiB limit once Base64-encoded.
/// </summary>
public static class EventMessages
{
    /// <summary>Events per message at most.</summary>
    public const int MaxEvents = 32;

    /// <summary>UTF-8 bytes of a message's JSON at most: Base64 of 45,000 bytes is 60,000 characters, below 65,536.</summary>
    public const int MaxBytes = 45_000;

    private const string Start = "{\"events\":[";
    private const string End = "]}";

    /// <summary>Consecutive event bodies (JSON objects) grouped into messages; each group's indexes into <paramref name="bodies"/>.</summary>
    public static IEnumerable<(string Message, Range Events)> Compose(IReadOnlyList<string> bodies)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        var first = 0;
        while (first < bodies.Count)
        {
            var end = first;
            var bytes = Encoding.UTF8.GetByteCount(Start) + Encoding.UTF8.GetByteCount(End);
            while (end < bodies.Count && end - first < MaxEvents)
            {
                var size = Encoding.UTF8.GetByteCount(bodies[end]) + (end > first ? 1 : 0);
                if (end > first && bytes + size > MaxBytes)
                {
                    break;
                }

                // An event is never split: one larger than the limit alone goes in a message of its own.
                bytes += size;
                end++;
            }

            yield return (Start + string.Join(',', bodies.Skip(first).Take(end - first)) + End, first..end);
            first = end;
        }
    }
}
