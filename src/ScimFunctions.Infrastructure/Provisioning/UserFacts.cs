using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>The values of a user that its index rows and the organization's counters depend on.</summary>
internal sealed record UserFacts(string UserName, string? ExternalId, string? DisplayName, bool Active, IReadOnlySet<string> Emails)
{
    /// <summary>A user without <c>active</c> is active: only an explicit <c>false</c> frees a seat.</summary>
    public static UserFacts From(JsonObject document, int maxIndexedEmails)
    {
        var emails = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (document["emails"] is JsonArray values)
        {
            foreach (var email in values)
            {
                if (email is JsonObject element && JsonValues.TryGetString(element["value"], out var value))
                {
                    emails.Add(value.ToUpperInvariant());
                }
            }
        }

        if (emails.Count > maxIndexedEmails)
        {
            throw new ScimException(ScimError.InvalidValue($"A user can have at most {maxIndexedEmails} email addresses."));
        }

        JsonValues.TryGetString(document["userName"], out var userName);
        var externalId = JsonValues.TryGetString(document["externalId"], out var external) ? external : null;
        var displayName = JsonValues.TryGetString(document["displayName"], out var display) ? display : null;
        var active = !JsonValues.TryGetBoolean(document["active"], out var flag) || flag;
        return new UserFacts(userName, externalId, displayName, active, emails);
    }
}
