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

    public static ScimResult Ok(JsonNode body, ScimETag? etag = null) => new(200, body, null, etag, null);

    public static ScimResult Created(JsonNode body, string location, ScimETag? etag) => new(201, body, null, etag, location);

    public static ScimResult NoContent(ScimETag? etag = null) => new(204, null, null, etag, null);

    public static ScimResult Failure(ScimError error) => new(error.Status, null, error, null, null);

    public static implicit operator ScimResult(ScimError error) => Failure(error);
}
