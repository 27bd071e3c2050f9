using ScimFunctions.Core.Protocol;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>Reading a user or group row by id, and the checks every change of one starts with.</summary>
internal static class ResourceRows
{
    /// <summary>Resource ids are GUIDs; anything else cannot name a resource (and cannot reach another row).</summary>
    public static bool IsResourceId(string? id) => Guid.TryParseExact(id, "D", out var parsed) && parsed.ToString() == id;

    public static async Task<StoredResource?> ReadAsync(ScimTable table, string organization, string prefix, string id, CancellationToken cancellationToken)
    {
        if (!IsResourceId(id))
        {
            return null;
        }

        var row = await table.GetAsync(organization, prefix + id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : StoredResource.Read(row, prefix);
    }

    /// <summary>The resource to change, or the error to answer: 404 when it does not exist, 412 when If-Match is stale.</summary>
    public static async Task<(StoredResource? Resource, ScimError? Error)> ReadForChangeAsync(
        ScimTable table, string organization, string prefix, string kind, string id, string? ifMatch, CancellationToken cancellationToken)
    {
        var resource = await ReadAsync(table, organization, prefix, id, cancellationToken).ConfigureAwait(false);
        if (resource is null)
        {
            return (null, NotFound(kind, id));
        }

        return resource.ETag.SatisfiesIfMatch(ifMatch)
            ? (resource, null)
            : (null, ScimError.PreconditionFailed($"The {kind.ToLowerInvariant()} has changed: its version is {resource.ETag}. Read it again and retry."));
    }

    public static ScimError NotFound(string kind, string id) => ScimError.NotFound($"{kind} '{id}' not found.");
}
