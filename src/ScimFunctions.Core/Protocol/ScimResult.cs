using System.Text.Json.Nodes;

namespace ScimFunctions.Core.Protocol;

/// <summary>
/// The transport-free outcome of a SCIM operation. The HTTP layer maps it once: status code, body
/// (<see cref="Body"/> or the error message), <c>ETag</c> and <c>Location</c> headers.
/// </summary>
public sealed record ScimResult
{
    private ScimResult(int status, JsonNode? body, ScimError? error, ScimETag? etag, string? location)
    {
        Status = status;
        Body = body;
        Error = error;
        ETag = etag;
        Location = location;
    }

    public int Status { get; }

    /// <summary>The response document for a success, null for 204 and for errors.</summary>
    public JsonNode? Body { get; }

    public ScimError? Error { get; }

    public ScimETag? ETag { get; }

    public string? Location { get; }

    public bool IsSuccess => Error is null;

    /// <summary>
    /// What the provisioning record should say about the outcome besides its status (never a value beyond
    /// identifiers): e.g. <c>adopted:userName</c>, <c>idpSoftDelete</c>, <c>idpRestore</c>. Not sent to the client.
    /// </summary>
    public string? Note { get; init; }

    /// <summary>
    /// What a committed write did, as its change event names it (<c>user.deactivated</c>, <c>user.deleted</c>, …): the
    /// activity journal records it and the mass-change guard counts it. Not sent to the client.
    /// </summary>
    public string? Effect { get; init; }

    public static ScimResult Ok(JsonNode body, ScimETag? etag = null) => new(200, body, null, etag, null);

    public static ScimResult Created(JsonNode body, string location, ScimETag? etag) => new(201, body, null, etag, location);

    public static ScimResult NoContent(ScimETag? etag = null) => new(204, null, null, etag, null);

    /// <summary>304: the client's copy (named by <c>If-None-Match</c>) is current; no body.</summary>
    public static ScimResult NotModified(ScimETag etag) => new(304, null, null, etag, null);

    /// <summary>
    /// A GET with <c>If-None-Match</c> (RFC 7644 §3.14, RFC 9110 §13.1.2): when the header names the resource's
    /// current version (weakly compared) or is <c>*</c>, the answer is 304 without a body; otherwise this result.
    /// </summary>
    public ScimResult IfNoneMatch(string? ifNoneMatch) =>
        Status == 200 && ETag is { } current && !string.IsNullOrWhiteSpace(ifNoneMatch) && current.SatisfiesIfMatch(ifNoneMatch)
            ? NotModified(current)
            : this;

    public static ScimResult Failure(ScimError error) => new(error.Status, null, error, null, null);

    public static implicit operator ScimResult(ScimError error) => Failure(error);
}
