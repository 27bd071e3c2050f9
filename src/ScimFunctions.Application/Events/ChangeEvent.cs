using System.Globalization;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Application.Events;

/// <summary>The kinds of change an event reports (docs/events.md).</summary>
public static class ChangeEventTypes
{
    public const string UserCreated = "user.created";
    public const string UserUpdated = "user.updated";
    public const string UserActivated = "user.activated";
    public const string UserDeactivated = "user.deactivated";
    public const string UserDeleted = "user.deleted";
    public const string UserRestored = "user.restored";
    public const string UserPurged = "user.purged";
    public const string GroupCreated = "group.created";
    public const string GroupUpdated = "group.updated";
    public const string GroupDeleted = "group.deleted";
    public const string MembersAdded = "group.members.added";
    public const string MembersRemoved = "group.members.removed";

    /// <summary>The SCIM event URI (RFC 9967) closest to each type.</summary>
    public static string Uri(string type) => type switch
    {
        UserCreated or GroupCreated => "urn:ietf:params:scim:event:prov:create:notice",
        UserActivated => "urn:ietf:params:scim:event:prov:activate",
        UserDeactivated => "urn:ietf:params:scim:event:prov:deactivate",
        UserDeleted or GroupDeleted or UserPurged => "urn:ietf:params:scim:event:prov:delete",
        UserRestored => "urn:ietf:params:scim:event:prov:create:notice",
        _ => "urn:ietf:params:scim:event:prov:patch:notice",
    };
}

/// <summary>
/// One committed change, as the product consumes it: identifiers and attribute names, never attribute values beyond
/// identifiers. A store writes it in the same transaction as the change (for Table Storage, an outbox row), so that no
/// change is committed without its event and no event exists without its change.
/// </summary>
public sealed record ChangeEvent(
    string Id,
    string Type,
    string OrganizationId,
    string ResourceType,
    string ResourceId,
    string? ExternalId,
    string? Name,
    IReadOnlyList<string> Attributes,
    long Version,
    DateTimeOffset Time,
    IReadOnlyList<string>? Members = null)
{
    public static ChangeEvent Create(
        TimeProvider time, string type, string organizationId, string resourceType, string resourceId, string? externalId, string? name,
        IEnumerable<string> attributes, long version, IReadOnlyList<string>? members = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new(Guid.NewGuid().ToString(), type, organizationId, resourceType, resourceId, externalId, name,
            [.. attributes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], version, time.GetUtcNow(), members);
    }

    /// <summary>The documented JSON body (docs/events.md).</summary>
    public JsonObject ToJson()
    {
        var body = new JsonObject
        {
            ["id"] = Id,
            ["type"] = Type,
            ["event"] = ChangeEventTypes.Uri(Type),
            ["organization"] = OrganizationId,
            ["resourceType"] = ResourceType,
            ["resourceId"] = ResourceId,
            ["externalId"] = ExternalId,
            [ResourceType == "Group" ? "displayName" : "userName"] = Name,
            ["attributes"] = new JsonArray([.. Attributes.Select(a => (JsonNode)a)]),
            ["version"] = ScimETag.FromVersion(Version).ToString(),
            ["time"] = Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        };
        if (Members is not null)
        {
            body["members"] = new JsonArray([.. Members.Select(m => (JsonNode)m)]);
        }

        return body;
    }
}
