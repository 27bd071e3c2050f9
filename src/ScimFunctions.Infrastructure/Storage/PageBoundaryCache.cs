using System.Collections.Concurrent;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// Remembers where index pages end: after serving <c>startIndex=s&amp;count=c</c> of an unfiltered list, the row key
/// of item <c>s+c-1</c>, with the version (storage ETag) of the organization row it was computed under. Okta and
/// Entra page sequentially, so the next page resumes from that key in O(page) instead of skipping <c>s</c> rows.
/// <para>
/// An entry is used only while the organization row still has that version. Every create and delete of a user or a
/// group changes the organization row's counters in the same transaction, so an unchanged version proves that no row
/// was added or removed before the boundary, by this instance or any other: the remembered key is still item
/// <c>s-1</c>. Any other case (another instance served the previous page, or anything was created or deleted since)
/// falls back to skipping keys only, which is right by construction.
/// </para>
/// </summary>
public sealed class PageBoundaryCache
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<(string Organization, string Kind, int StartIndex), (string AfterKey, string Version)> _boundaries = new();

    internal bool TryGet(string organization, string kind, int startIndex, string version, out string afterKey)
    {
        if (_boundaries.TryGetValue((organization, kind, startIndex), out var entry) && string.Equals(entry.Version, version, StringComparison.Ordinal))
        {
            afterKey = entry.AfterKey;
            return true;
        }

        afterKey = string.Empty;
        return false;
    }

    internal void Set(string organization, string kind, int startIndex, string afterKey, string version)
    {
        if (_boundaries.Count >= MaxEntries)
        {
            _boundaries.Clear();
        }

        _boundaries[(organization, kind, startIndex)] = (afterKey, version);
    }
}
