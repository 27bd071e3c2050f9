using System.Security.Cryptography;
using System.Text;

namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>
/// SCIM bearer tokens: 256 random bits, base64url, behind the prefix <c>schscim_</c> so that secret scanners can
/// recognise a leaked one. Only the SHA-256 of a token is ever stored; the token itself is shown once, when issued.
/// </summary>
public static class ScimToken
{
    public const string Prefix = "schscim_";

    private const int RandomBytes = 32;

    /// <summary>Base64url of 32 bytes without padding.</summary>
    private const int EncodedLength = 43;

    public static string Generate()
    {
        var bytes = RandomNumberGenerator.GetBytes(RandomBytes);
        return Prefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Whether the text has the shape of a token; anything else is refused without a lookup.</summary>
    public static bool IsWellFormed(string? token)
    {
        if (token is null || token.Length != Prefix.Length + EncodedLength || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in token.AsSpan(Prefix.Length))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The lower-case hex SHA-256 of the token's UTF-8 bytes: what is stored and what names the secret.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
