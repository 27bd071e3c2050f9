namespace ScimFunctions.Core.Discovery;

/// <summary>
/// What this deployment really supports, as /ServiceProviderConfig advertises it (RFC 7643 §5, RFC 9865 for
/// cursor paging). The hosting layer sets the values that depend on it (page sizes, cursor support).
/// </summary>
public sealed record ServiceProviderCapabilities
{
    /// <summary>The most resources one list or search response returns (<c>filter.maxResults</c>).</summary>
    public int MaxResults { get; init; } = 1000;

    public int DefaultPageSize { get; init; } = 100;

    /// <summary>Whether <c>cursor</c>/<c>nextCursor</c> paging (RFC 9865) is available.</summary>
    public bool CursorPagination { get; init; }

    /// <summary>Seconds a cursor stays valid, when <see cref="CursorPagination"/> is on.</summary>
    public int CursorTimeoutSeconds { get; init; } = 3600;

    public Uri? DocumentationUri { get; init; }
}
