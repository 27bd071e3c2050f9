namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// A list or search request (RFC 7644 §3.4.2): filter, index paging (1-based <see cref="StartIndex"/> and
/// <see cref="Count"/>), cursor paging (RFC 9865: <see cref="Cursor"/>, empty for the first page) and projection.
/// </summary>
public sealed record ListRequest
{
    public string? Filter { get; init; }

    public int? StartIndex { get; init; }

    public int? Count { get; init; }

    public string? Cursor { get; init; }

    public string? Attributes { get; init; }

    public string? ExcludedAttributes { get; init; }
}
