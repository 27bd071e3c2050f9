using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>A user or group row: the canonical document (without id and meta) and the row's bookkeeping.</summary>
internal sealed record StoredResource(TableEntity Row, string Id, JsonObject Document, long Version, DateTimeOffset Created, DateTimeOffset LastModified)
{
    public const string VersionProperty = "Version";
    public const string CreatedProperty = "Created";
    public const string LastModifiedProperty = "LastModified";

    public ScimETag ETag => ScimETag.FromVersion(Version);

    public static StoredResource Read(TableEntity row, string prefix) =>
        new(
            row,
            row.RowKey[prefix.Length..],
            DocumentColumns.Read(row),
            row.GetInt64(VersionProperty) ?? 1,
            row.GetDateTimeOffset(CreatedProperty) ?? DateTimeOffset.MinValue,
            row.GetDateTimeOffset(LastModifiedProperty) ?? DateTimeOffset.MinValue);

    /// <summary>A new row for the resource with its bookkeeping properties.</summary>
    public static TableEntity NewRow(string organizationId, string rowKey, JsonObject document, long version, DateTimeOffset created, DateTimeOffset lastModified)
    {
        var row = new TableEntity(organizationId, rowKey)
        {
            [VersionProperty] = version,
            [CreatedProperty] = created,
            [LastModifiedProperty] = lastModified,
        };
        DocumentColumns.Write(row, document);
        return row;
    }

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
