using System.Text.Json.Nodes;
using ScimFunctions.Core.Resources;

namespace ScimFunctions.Application.Provisioning;

/// <summary>The values of a group that its index rows depend on.</summary>
internal sealed record GroupFacts(string DisplayName, string? ExternalId)
{
    public static GroupFacts From(JsonObject document) => new(
        JsonValues.TryGetString(document["displayName"], out var name) ? name : string.Empty,
        JsonValues.TryGetString(document["externalId"], out var external) ? external : null);
}
