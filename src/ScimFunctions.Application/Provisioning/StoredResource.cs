using System.Text.Json.Nodes;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// A user or group as a store read it: the canonical document (without id and meta), its version and times, and the
/// store's <see cref="StoreHandle"/> (what it needs to write the resource again under the version it read).
/// </summary>
internal sealed record StoredResource(string Id, JsonObject Document, long Version, DateTimeOffset Created, DateTimeOffset LastModified, StoreHandle Handle)
{
    public ScimETag ETag => ScimETag.FromVersion(Version);

    /// <summary>
    /// The SCIM representation: <c>schemas</c>, <c>id</c>, the attributes, and <c>meta</c> (RFC 7643 §3.1).
    /// </summary>
    public JsonObject ToRepresentation(string resourceType, string location)
    {
        var output = new JsonObject();
        if (Document["schemas"] is { } schemas)
        {
            output["schemas"] = schemas.DeepClone();
        }

        output["id"] = Id;
        foreach (var (key, value) in Document)
        {
            if (key != "schemas" && value is not null)
            {
                output[key] = value.DeepClone();
            }
        }

        output["meta"] = new JsonObject
        {
            ["resourceType"] = resourceType,
            ["created"] = ScimDateTime.Format(Created),
            ["lastModified"] = ScimDateTime.Format(LastModified),
            ["location"] = location,
            ["version"] = ETag.ToString(),
        };
        return output;
    }
}
