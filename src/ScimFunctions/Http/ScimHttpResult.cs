using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Http;

/// <summary>
/// The one mapping of a <see cref="ScimResult"/> to HTTP: status, <c>application/scim+json</c> body (the resource,
/// list or error message; the error detail ends with the request id), <c>ETag</c>, <c>Location</c>, the request id
/// header, and <c>Retry-After</c> / <c>WWW-Authenticate</c> where they apply.
/// </summary>
public sealed class ScimHttpResult(ScimResult result, string requestId) : IActionResult
{
    public const string RequestIdHeader = "X-Request-Id";
    public const string ContentType = ScimConstants.MediaType + "; charset=utf-8";

    public ScimResult Result => result;

    /// <summary>Seconds for <c>Retry-After</c> (503, 429).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Sends <c>WWW-Authenticate: Bearer</c> (401).</summary>
    public bool Challenge { get; init; }

    /// <summary>The activity journal's reference code of a write, at the very end of its error detail.</summary>
    public string? Reference { get; init; }

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.StatusCode = result.Status;
        response.Headers[RequestIdHeader] = requestId;
        if (result.ETag is { } etag)
        {
            response.Headers.ETag = etag.ToString();
        }

        if (result.Location is not null)
        {
            response.Headers.Location = result.Location;
        }

        if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (Challenge)
        {
            response.Headers.WWWAuthenticate = "Bearer realm=\"SCIM\"";
        }

        response.Headers.CacheControl = "no-store";
        JsonNode? body = result.Error is { } error
            ? error.ToJson(Reference is null ? $"(request id: {requestId})" : $"(request id: {requestId}, ref: {Reference})")
            : result.Body;
        if (body is null)
        {
            return;
        }

        response.ContentType = ContentType;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, ScimJson.Options);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}
