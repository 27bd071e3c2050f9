using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Http;

/// <summary>
/// Reads a request body: <c>application/scim+json</c> or <c>application/json</c> (415 otherwise), at most the
/// configured size (413), valid UTF-8 and valid JSON of bounded depth (400 <c>invalidSyntax</c>).
/// </summary>
internal static class RequestBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static async Task<JsonNode> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            throw new ScimException(new ScimError(415, null,
                $"Send the body as '{ScimConstants.MediaType}' or '{ScimConstants.JsonMediaType}', not '{request.ContentType}'."));
        }

        // The worker's own server limit (Kestrel: 30 MB) would end the body before we could read it to its end (see
        // TooLargeAsync); ours is enforced below, the host's bounds what reaches us.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxDrainBytes;
        }

        if (request.ContentLength > maxBytes)
        {
            throw await TooLargeAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                throw await TooLargeAsync(request, maxBytes, cancellationToken).ConfigureAwait(false);
            }
        }

        if (buffer.WrittenCount == 0)
        {
            throw new ScimException(ScimError.InvalidSyntax("The request body is empty."));
        }

        // RFC 8259 §8.1: JSON exchanged between systems is UTF-8. The parser defers some checks until a string is
        // read, which would be a 500 deep inside a service; refuse invalid bytes here.
        if (!Utf8.IsValid(buffer.WrittenSpan))
        {
            throw new ScimException(ScimError.InvalidSyntax("The request body is not valid UTF-8."));
        }

        try
        {
            return JsonNode.Parse(buffer.WrittenSpan, documentOptions: Options)
                ?? throw new ScimException(ScimError.InvalidSyntax("The request body is JSON null."));
        }
        catch (JsonException e)
        {
            var where = e.BytePositionInLine is { } position ? $" (line {e.LineNumber + 1}, byte {position + 1})" : string.Empty;
            throw new ScimException(ScimError.InvalidSyntax($"The request body is not valid JSON{where}."));
        }
    }

    /// <summary>A missing Content-Type is read as JSON; any other media type than the two JSON ones is refused.</summary>
    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        return MediaTypeHeaderValue.TryParse(contentType, out var media)
            && (media.MediaType.Equals(ScimConstants.MediaType, StringComparison.OrdinalIgnoreCase)
                || media.MediaType.Equals(ScimConstants.JsonMediaType, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// 413, after reading (and discarding) what the client still sends. Under the Functions host the body is proxied
    /// to this worker: a worker that answers while the proxy is still writing the body breaks the proxy's pipe, and the
    /// host then answers a bodiless 500 instead of our 413. The host bounds the body
    /// (<c>FUNCTIONS_REQUEST_BODY_SIZE_LIMIT</c>, 100 MiB by default), so this reads at most that, in a small buffer.
    /// </summary>
    private static async Task<ScimException> TooLargeAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var discard = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long drained = 0;
            int read;
            while (drained < MaxDrainBytes && (read = await request.Body.ReadAsync(discard, cancellationToken).ConfigureAwait(false)) > 0)
            {
                drained += read;
            }
        }
        catch (Exception e) when (e is IOException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            // The client went away or the server's own limit ended the body: the answer is the same.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(discard);
        }

        return new ScimException(new ScimError(413, null, $"The request body is larger than {maxBytes / 1024} KiB."));
    }

    /// <summary>The Functions host's default request body limit: more is never proxied to the worker.</summary>
    private const long MaxDrainBytes = 100L * 1024 * 1024;
}
