using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
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

        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
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
                throw TooLarge(maxBytes);
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

    private static ScimException TooLarge(int maxBytes) =>
        new(new ScimError(413, null, $"The request body is larger than {maxBytes / 1024} KiB."));
}
