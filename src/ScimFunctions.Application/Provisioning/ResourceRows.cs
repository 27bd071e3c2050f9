using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Application.Provisioning;

/// <summary>Resource ids, and the checks every change of a user or group starts with.</summary>
internal static class ResourceRows
{
    /// <summary>Resource ids are GUIDs; anything else cannot name a resource (and cannot reach another row).</summary>
    public static bool IsResourceId(string? id) => Guid.TryParseExact(id, "D", out var parsed) && parsed.ToString() == id;

    /// <summary>The error to answer before changing <paramref name="resource"/>: 404 when it does not exist, 412 when If-Match is stale.</summary>
    public static ScimError? RefuseChange(StoredResource? resource, string kind, string id, string? ifMatch) =>
        resource is null
            ? NotFound(kind, id)
            : resource.ETag.SatisfiesIfMatch(ifMatch)
                ? null
                : ScimError.PreconditionFailed($"The {kind.ToLowerInvariant()} has changed: its version is {resource.ETag}. Read it again and retry.");

    public static ScimError NotFound(string kind, string id) => ScimError.NotFound($"{kind} '{id}' not found.");
}
