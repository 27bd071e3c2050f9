namespace ScimFunctions.Core.Schema;

/// <summary>The attribute name grammar of RFC 7644 §3.4.2.2: <c>ATTRNAME = ALPHA *(nameChar)</c>, plus <c>$ref</c>.</summary>
public static class AttributeNames
{
    public const string Reference = "$ref";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        if (string.Equals(name, Reference, StringComparison.Ordinal))
        {
            return true;
        }

        if (!char.IsAsciiLetter(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }
}
