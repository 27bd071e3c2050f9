using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;

namespace ScimFunctions.Application.Provisioning;

/// <summary>The values of a user that its index rows and the organization's counters depend on.</summary>
internal sealed record UserFacts(string UserName, string? ExternalId, string? DisplayName, bool Active, IReadOnlySet<string> Emails)
{
    /// <summary>The primary email, else the work email (upper-cased): what a POST may be linked to a user by.</summary>
    public string? PreferredEmail { get; private init; }

    /// <summary>The primary and the work emails (upper-cased): what an existing user may be found by for linking.</summary>
    public IReadOnlySet<string> LinkableEmails { get; private init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>A user without <c>active</c> is active: only an explicit <c>false</c> frees a seat.</summary>
    public static UserFacts From(JsonObject document, int maxIndexedEmails)
    {
        var emails = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var linkable = new HashSet<string>(StringComparer.Ordinal);
        string? primary = null, work = null;
        if (document["emails"] is JsonArray values)
        {
            foreach (var email in values)
            {
                if (email is JsonObject element && JsonValues.TryGetString(element["value"], out var value))
                {
                    var upper = value.ToUpperInvariant();
                    emails.Add(upper);
                    var isPrimary = JsonValues.TryGetBoolean(element["primary"], out var p) && p;
                    var isWork = JsonValues.TryGetString(element["type"], out var type) && type.Equals("work", StringComparison.OrdinalIgnoreCase);
                    primary ??= isPrimary ? upper : null;
                    work ??= isWork ? upper : null;
                    if (isPrimary || isWork)
                    {
                        linkable.Add(upper);
                    }
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
        return new UserFacts(userName, externalId, displayName, active, emails) { PreferredEmail = primary ?? work, LinkableEmails = linkable };
    }
}
