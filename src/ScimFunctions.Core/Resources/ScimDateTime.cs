using System.Globalization;
using System.Text.RegularExpressions;

namespace ScimFunctions.Core.Resources;

/// <summary>xsd:dateTime values (RFC 7643 §2.3.5): a date, 'T', a time, and an optional zone (UTC when absent).</summary>
public static partial class ScimDateTime
{
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is not null
            && XsdDateTime().IsMatch(text)
            && DateTimeOffset.TryParse(
                text,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out value);
    }

    /// <summary>Formats an instant as the server writes them: UTC with 'Z' and up to seven fraction digits.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex XsdDateTime();
}
