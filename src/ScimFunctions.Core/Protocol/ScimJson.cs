using System.Text.Encodings.Web;
using System.Text.Json;

namespace ScimFunctions.Core.Protocol;

/// <summary>How SCIM documents are written, to clients and to storage.</summary>
public static class ScimJson
{
    /// <summary>
    /// Non-ASCII text is written as itself, not as <c>\uXXXX</c> escapes (up to six times the size). SCIM documents
    /// are served as <c>application/scim+json</c> and stored as data, never embedded in HTML, which is what the
    /// default encoder guards against.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
