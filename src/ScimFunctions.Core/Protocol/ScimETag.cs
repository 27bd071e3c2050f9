using System.Globalization;

namespace ScimFunctions.Core.Protocol;

/// <summary>
/// Weak entity tags built from a resource version (RFC 7644 §3.14): <c>W/"version"</c>, also the value of
/// <c>meta.version</c>. Comparison with <c>If-Match</c> is weak, so <c>W/"3"</c> matches <c>"3"</c>.
/// </summary>
public readonly record struct ScimETag(string Version)
{
    public override string ToString() => $"W/\"{Version}\"";

    public static ScimETag FromVersion(long version) => new(version.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// True when an <c>If-Match</c> header value (a comma-separated list of entity tags, or <c>*</c>) matches this tag.
    /// A header that is null or blank matches (no precondition).
    /// </summary>
    public bool SatisfiesIfMatch(string? ifMatch)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return true;
        }

        foreach (var candidate in ifMatch.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (candidate == "*")
            {
                return true;
            }

            if (TryParse(candidate, out var tag) && string.Equals(tag.Version, Version, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses <c>W/"v"</c> or <c>"v"</c>.</summary>
    public static bool TryParse(string? value, out ScimETag tag)
    {
        tag = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var text = value.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return false;
        }

        var version = text[1..^1];
        if (version.Contains('"', StringComparison.Ordinal))
        {
            return false;
        }

        tag = new ScimETag(version);
        return true;
    }
}
