using System.Collections.Concurrent;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>
/// Remembers where index pages end: after serving <c>startIndex=s&amp;count=c</c> of an unfiltered list, the row key
/// of item <c>s+c-1</c>. Okta and Entra page sequentially, so the next page resumes from that key in O(page)
/// instead of skipping <c>s</c> rows, and a row deleted between pages neither repeats nor skips a resource.
/// A miss (another instance served the previous page) falls back to skipping keys only.
/// </summary>
public sealed class PageBoundaryCache
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<(string Organization, string Kind, int StartIndex), string> _boundaries = new();

    internal bool TryGet(string organization, string kind, int startIndex, out string afterKey) =>
        _boundaries.TryGetValue((organization, kind, startIndex), out afterKey!);

    internal void Set(string organization, string kind, int startIndex, string afterKey)
    {
        if (_boundaries.Count >= MaxEntries)
        {
            _boundaries.Clear();
        }

        _boundaries[(organization, kind, startIndex)] = afterKey;
    }
}
