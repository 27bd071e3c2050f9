namespace ScimFunctions.Application.Organizations;

/// <summary>
/// How a SCIM POST links to a user that exists before provisioning (created by hand or by JIT sign-in), per
/// organization (<c>scim-admin org set-adoption</c>). A match on an address the person can edit in the identity
/// provider never links: only the POST's primary (else work) email counts, against the existing user's primary or
/// work email.
/// </summary>
public enum AdoptionRule
{
    /// <summary>userName, case-insensitively, or the POST's primary (else work) email against the existing user's primary or work email.</summary>
    UserNameOrEmail,

    /// <summary>userName only, case-insensitively.</summary>
    UserName,

    /// <summary>Never: an existing userName is a 409 like any other.</summary>
    Off,
}

/// <summary>The names of <see cref="AdoptionRule"/> as the CLI and the organization row spell them.</summary>
public static class AdoptionRules
{
    public static string Name(AdoptionRule rule) => rule switch
    {
        AdoptionRule.UserName => "userName",
        AdoptionRule.Off => "off",
        _ => "userName-or-email",
    };

    public static bool TryParse(string? text, out AdoptionRule rule)
    {
        foreach (var candidate in Enum.GetValues<AdoptionRule>())
        {
            if (string.Equals(Name(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                rule = candidate;
                return true;
            }
        }

        rule = AdoptionRule.UserNameOrEmail;
        return false;
    }

    /// <summary>A stored value; a row without one (or with one this code does not know) has the default.</summary>
    public static AdoptionRule Parse(string? text) => TryParse(text, out var rule) ? rule : AdoptionRule.UserNameOrEmail;
}
