using System.Text.RegularExpressions;

namespace ScimFunctions.Infrastructure.Organizations;

/// <summary>Organization ids are the partition keys: lower-case letters, digits and hyphens, 1 to 63 characters.</summary>
public static partial class OrganizationIds
{
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    public static void Validate(string? id)
    {
        if (!IsValid(id))
        {
            throw new ArgumentException(
                $"Organization id '{id}' is not valid: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit.",
                nameof(id));
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
