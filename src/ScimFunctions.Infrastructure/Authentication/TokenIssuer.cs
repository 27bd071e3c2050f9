using System.Security.Cryptography;

namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>Issues tokens: the token is returned once, and only its hash is stored.</summary>
public sealed class TokenIssuer(ITokenStore store, TimeProvider time)
{
    public sealed record IssuedToken(string Token, TokenRecord Record);

    /// <summary>A new token for the organization, valid until <paramref name="expires"/> (null: until revoked).</summary>
    public async Task<IssuedToken> IssueAsync(string organizationId, CancellationToken cancellationToken, DateTimeOffset? expires = null)
    {
        var token = ScimToken.Generate(await store.EnsureSigningKeyAsync(cancellationToken).ConfigureAwait(false));
        return new IssuedToken(token, await RegisterAsync(organizationId, token, cancellationToken, expires).ConfigureAwait(false));
    }

    /// <summary>
    /// Stores the hash of a token chosen elsewhere (local development with <c>SCIM_LOCAL_TOKENS</c>, tests); it must be
    /// well formed. A legacy-shaped one is accepted by the endpoint only while legacy tokens are.
    /// </summary>
    public async Task<TokenRecord> RegisterAsync(string organizationId, string token, CancellationToken cancellationToken, DateTimeOffset? expires = null)
    {
        if (!ScimToken.IsWellFormed(token))
        {
            throw new ArgumentException($"A SCIM token is '{ScimToken.Prefix}' followed by 43 base64url characters (256 random bits) and, when issued by the service, '.' and its 22-character tag.", nameof(token));
        }

        var record = new TokenRecord(organizationId, "tok-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), time.GetUtcNow(), Revoked: false, Expires: expires);
        await store.SaveAsync(ScimToken.Hash(token), record, cancellationToken).ConfigureAwait(false);
        return record;
    }
}
