using System.Security.Cryptography;
using System.Text;

namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>
/// SCIM bearer tokens, behind the prefix <c>schscim_</c> so that secret scanners can recognise a leaked one. Only the
/// SHA-256 of a token is ever stored; the token itself is shown once, when issued.
/// <list type="bullet">
/// <item>Current shape: <c>schscim_{43 base64url: 256 random bits}.{22 base64url: tag}</c>, where the tag is the first
///   128 bits of HMAC-SHA256 over the random part with a signing key only the service holds (Key Vault). A token whose
///   tag does not verify is refused locally, without asking the store: random or mutated tokens cost nothing.</item>
/// <item>Legacy shape (issued before the tag existed): <c>schscim_{43 base64url}</c>, accepted until a configured
///   date and only when its hash is in the set of known token hashes.</item>
/// </list>
/// </summary>
public static class ScimToken
{
    public const string Prefix = "schscim_";

    private const int RandomBytes = 32;
    private const int TagBytes = 16;

    /// <summary>Base64url of 32 bytes without padding.</summary>
    private const int EncodedLength = 43;

    /// <summary>Base64url of 16 bytes without padding.</summary>
    private const int TagLength = 22;

    private const char Separator = '.';

    public static int LegacyLength => Prefix.Length + EncodedLength;

    /// <summary>The prefix of OAuth client ids (<see cref="ClientCredentials"/>), tagged like tokens.</summary>
    public const string ClientIdPrefix = "schcli_";

    /// <summary>The prefix of OAuth client secrets, tagged like tokens.</summary>
    public const string ClientSecretPrefix = "schsec_";

    /// <summary>A new token (or, with another prefix, client id or secret) tagged with <paramref name="signingKey"/>.</summary>
    public static string Generate(ReadOnlySpan<byte> signingKey, string prefix = Prefix)
    {
        var random = Base64Url(RandomNumberGenerator.GetBytes(RandomBytes));
        return prefix + random + Separator + Tag(signingKey, prefix + random);
    }

    /// <summary>A token in the legacy shape (no tag): for tests of the transition only.</summary>
    public static string GenerateLegacy() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>Whether the text has the shape of a token, current or legacy; anything else is refused without a lookup.</summary>
    public static bool IsWellFormed(string? token) => IsTagged(token) || IsLegacy(token);

    /// <summary>The current shape (random part and tag) behind <paramref name="prefix"/>, whatever the tag's value.</summary>
    public static bool IsTagged(string? token, string prefix = Prefix) =>
        token is not null
        && token.Length == prefix.Length + EncodedLength + 1 + TagLength
        && token.StartsWith(prefix, StringComparison.Ordinal)
        && token[prefix.Length + EncodedLength] == Separator
        && IsBase64Url(token.AsSpan(prefix.Length, EncodedLength))
        && IsBase64Url(token.AsSpan(prefix.Length + EncodedLength + 1));

    /// <summary>The legacy shape: the prefix and 43 base64url characters.</summary>
    public static bool IsLegacy(string? token) =>
        token is not null && token.Length == LegacyLength && token.StartsWith(Prefix, StringComparison.Ordinal)
        && IsBase64Url(token.AsSpan(Prefix.Length));

    /// <summary>Whether a tagged token's tag was made with one of the keys (compared in constant time).</summary>
    public static bool HasValidTag(string token, IEnumerable<byte[]> signingKeys, string prefix = Prefix)
    {
        ArgumentNullException.ThrowIfNull(signingKeys);
        if (!IsTagged(token, prefix))
        {
            return false;
        }

        // The tag covers the prefix too: a token's tag does not make a client id or secret.
        var random = token[..(prefix.Length + EncodedLength)];
        var tag = Encoding.ASCII.GetBytes(token[(prefix.Length + EncodedLength + 1)..]);
        var valid = false;
        foreach (var key in signingKeys)
        {
            valid |= CryptographicOperations.FixedTimeEquals(tag, Encoding.ASCII.GetBytes(Tag(key, random)));
        }

        return valid;
    }

    /// <summary>The lower-case hex SHA-256 of the token's UTF-8 bytes: what is stored and what names the secret.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>A new random signing key (256 bits).</summary>
    public static byte[] NewSigningKey() => RandomNumberGenerator.GetBytes(32);

    private static string Tag(ReadOnlySpan<byte> key, string random) =>
        Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(random)).AsSpan(0, TagBytes));

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool IsBase64Url(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }
}
