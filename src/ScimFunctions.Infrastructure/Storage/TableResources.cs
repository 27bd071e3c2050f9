using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>The handle of a resource read from Table Storage: its row, with the ETag its next write is conditional on.</summary>
internal sealed class RowHandle(TableEntity row) : StoreHandle
{
    public TableEntity Row { get; } = row;
}

/// <summary>User and group rows: the document columns and the bookkeeping every resource row has.</summary>
internal static class TableResources
{
    public const string VersionProperty = "Version";
    public const string CreatedProperty = "Created";
    public const string LastModifiedProperty = "LastModified";

    public static StoredResource Read(TableEntity row, string prefix) =>
        new(
            row.RowKey[prefix.Length..],
            DocumentColumns.Read(row),
            row.GetInt64(VersionProperty) ?? 1,
            row.GetDateTimeOffset(CreatedProperty) ?? DateTimeOffset.MinValue,
            row.GetDateTimeOffset(LastModifiedProperty) ?? DateTimeOffset.MinValue,
            new RowHandle(row));

    /// <summary>The row a resource was read from.</summary>
    public static TableEntity Row(this StoredResource resource) => ((RowHandle)resource.Handle).Row;

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

    public static async Task<StoredResource?> ReadAsync(ScimTable table, string organization, string prefix, string id, CancellationToken cancellationToken)
    {
        if (!ResourceRows.IsResourceId(id))
        {
            return null;
        }

        var row = await table.GetAsync(organization, prefix + id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : Read(row, prefix);
    }
}
