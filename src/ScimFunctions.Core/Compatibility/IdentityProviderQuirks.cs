using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Compatibility;

/// <summary>
/// The one place where request shapes that Microsoft Entra ID and Okta really send, but RFC 7643/7644 does not
/// allow, are turned into their RFC meaning. Responses are never shaped by this class: answers follow the RFC.
/// </summary>
public static partial class IdentityProviderQuirks
{
    /// <summary>
    /// Entra ID (without <c>aadOptscim062020</c>) sends booleans as strings: <c>"True"</c>, <c>"False"</c>.
    /// In a filter on a boolean attribute a string "true"/"false" is read as the boolean.
    /// </summary>
    public static FilterLiteral CoerceFilterLiteral(FilterLiteral literal, AttributeType type) =>
        type == AttributeType.Boolean && literal.Kind == FilterLiteralKind.String && TryParseBooleanText(literal.Text, out var value)
            ? (value ? FilterLiteral.True : FilterLiteral.False)
            : literal;

    internal static bool TryParseBooleanText(string text, out bool value)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            value = true;
            return true;
        }

        if (trimmed.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            value = false;
            return true;
        }

        value = false;
        return false;
    }
}
