using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>Settings of the OAuth 2.0 token endpoint (configuration section <c>Scim:OAuth</c>).</summary>
public sealed class OAuthOptions
{
    /// <summary>Lifetime of an access token. Default 3600 s (Entra ID asks for 60 minutes to 6 hours).</summary>
    public int AccessTokenSeconds { get; set; } = 3600;
}

/// <summary>A client made by <see cref="ClientRegistry.CreateClientAsync"/>: the secret is shown once.</summary>
public sealed record IssuedClient(string ClientId, string ClientSecret, TokenRecord Record);

/// <summary>What the token endpoint answers (RFC 6749 §5.1 and §5.2).</summary>
public abstract record TokenGrant
{
    private TokenGrant()
    {
    }

    public sealed record Issued(string AccessToken, int ExpiresIn, string OrganizationId) : TokenGrant;

    /// <summary><c>invalid_client</c>: unknown client, wrong or revoked secret (401).</summary>
    public sealed record InvalidClient : TokenGrant;

    /// <summary>The credential store did not answer: 503, retry later.</summary>
    public sealed record Unavailable : TokenGrant;
}

/// <summary>
/// OAuth 2.0 client credentials (RFC 6749 §4.4) for Entra ID's "OAuth2 Client Credentials Grant": each customer
/// organization gets its own client id and secret; the token endpoint exchanges them for an access token that every
/// SCIM route accepts as that organization's bearer token until it expires.
/// <list type="bullet">
/// <item>Client ids (<c>schcli_…</c>) and secrets (<c>schsec_…</c>) carry the same tag as tokens, so a wrong or made-up
///   one fails here without asking Key Vault, and nobody's failures can block a correct secret (Entra's requests for
///   every tenant come from shared addresses: there is no per-source lockout).</item>
/// <item>Only the secret's SHA-256 is stored, in the token store, with the client id and the organization.</item>
/// <item>Access tokens are JWTs (HS256 with the signing key) naming the organization and the secret's hash: the secret's
///   record is checked through the authenticator's cache on every use, so a revoked secret's tokens stop within the
///   cache time, and a revoked secret gets no new ones.</item>
/// </list>
/// </summary>
public sealed class ClientCredentials(ITokenStore store, TokenAuthenticator authenticator, OAuthOptions options, FederatedAssertions assertions, TimeProvider time)
{
    /// <summary>RFC 7523 §2.2: a client authenticated by a JWT.</summary>
    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public const string Issuer = "https://scim.securecodinghub/oauth";
    public const string Audience = "scim";
    private const string OrganizationClaim = "org";
    private const string CredentialClaim = "cred";

    /// <summary>The client credentials grant with a client assertion (RFC 7523 §2.2) instead of a secret.</summary>
    public async Task<TokenGrant> GrantFederatedAsync(string clientId, string assertion, CancellationToken cancellationToken)
    {
        try
        {
            var keys = await authenticator.SigningKeysAsync(cancellationToken).ConfigureAwait(false);
            if (!ScimToken.HasValidTag(clientId, keys, ScimToken.ClientIdPrefix))
            {
                return new TokenGrant.InvalidClient();
            }

            var hash = ScimToken.Hash(clientId);
            var resolved = await authenticator.ResolveCredentialAsync(hash, cancellationToken).ConfigureAwait(false);
            if (resolved.Outcome != AuthenticationOutcome.Authenticated)
            {
                return resolved.Outcome == AuthenticationOutcome.Unavailable ? new TokenGrant.Unavailable() : new TokenGrant.InvalidClient();
            }

            var federated = await store.FindFederationAsync(clientId, cancellationToken).ConfigureAwait(false);
            if (federated is null || !string.Equals(federated.OrganizationId, resolved.OrganizationId, StringComparison.Ordinal))
            {
                return new TokenGrant.InvalidClient();
            }

            return await assertions.ValidateAsync(assertion, federated, cancellationToken).ConfigureAwait(false) switch
            {
                AssertionOutcome.Valid => Mint(clientId, hash, resolved, keys),
                AssertionOutcome.Unavailable => new TokenGrant.Unavailable(),
                _ => new TokenGrant.InvalidClient(),
            };
        }
        catch (Exception e) when (e is TokenStoreUnavailableException or Application.Provisioning.Stores.StorageUnavailableException)
        {
            return new TokenGrant.Unavailable();
        }
    }

    /// <summary>The client credentials grant: an access token for a valid client id and secret.</summary>
    public async Task<TokenGrant> GrantAsync(string clientId, string clientSecret, CancellationToken cancellationToken)
    {
        IReadOnlyList<byte[]> keys;
        try
        {
            keys = await authenticator.SigningKeysAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TokenStoreUnavailableException)
        {
            return new TokenGrant.Unavailable();
        }

        if (!ScimToken.HasValidTag(clientId, keys, ScimToken.ClientIdPrefix) || !ScimToken.HasValidTag(clientSecret, keys, ScimToken.ClientSecretPrefix))
        {
            return new TokenGrant.InvalidClient();
        }

        var hash = ScimToken.Hash(clientSecret);
        var resolved = await authenticator.ResolveCredentialAsync(hash, cancellationToken).ConfigureAwait(false);
        if (resolved.Outcome == AuthenticationOutcome.Unavailable)
        {
            return new TokenGrant.Unavailable();
        }

        if (resolved.Outcome != AuthenticationOutcome.Authenticated || !string.Equals(resolved.ClientId, clientId, StringComparison.Ordinal))
        {
            return new TokenGrant.InvalidClient();
        }

        return Mint(clientId, hash, resolved, keys);
    }

    /// <summary>An access token for the client, naming the credential record it stands on.</summary>
    private TokenGrant.Issued Mint(string clientId, string hash, AuthenticationResult resolved, IReadOnlyList<byte[]> keys)
    {
        var now = time.GetUtcNow();
        var lifetime = resolved.Expires is { } end ? Math.Min(options.AccessTokenSeconds, (int)Math.Max(1, (end - now).TotalSeconds)) : options.AccessTokenSeconds;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, clientId), new Claim(OrganizationClaim, resolved.OrganizationId!), new Claim(CredentialClaim, hash)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = now.AddSeconds(lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(AccessTokenKey(keys[0]), SecurityAlgorithms.HmacSha256),
        });
        return new TokenGrant.Issued(token, lifetime, resolved.OrganizationId!);
    }

    /// <summary>
    /// The secret hash an access token names, when its signature (any current signing key), issuer, audience and
    /// lifetime are valid; null otherwise. Local only: no store is asked.
    /// </summary>
    public static async Task<string?> ValidateAccessTokenAsync(string token, IReadOnlyList<byte[]> keys, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(time);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKeys = [.. keys.Select(AccessTokenKey)],
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, parameters) =>
                expires is { } end && time.GetUtcNow().UtcDateTime < end.Add(parameters.ClockSkew)
                && (notBefore is not { } start || time.GetUtcNow().UtcDateTime >= start.Subtract(parameters.ClockSkew)),
        }).ConfigureAwait(false);
        return result.IsValid && result.Claims.TryGetValue(CredentialClaim, out var credential) ? credential as string : null;
    }

    /// <summary>
    /// The access-token key derived from a signing key (HMAC of a fixed label), so that the key that tags tokens never
    /// signs anything else directly.
    /// </summary>
    private static SymmetricSecurityKey AccessTokenKey(byte[] signingKey) =>
        new(System.Security.Cryptography.HMACSHA256.HashData(signingKey, "scim-access-token-v1"u8));

    /// <summary>Whether the text has the shape of a JWT (three base64url parts): an access token from the token endpoint.</summary>
    public static bool LooksLikeAccessToken(string? token) =>
        token is not null && token.StartsWith("eyJ", StringComparison.Ordinal) && token.Count(c => c == '.') == 2 && token.Length < 4096;
}

/// <summary>
/// Makes OAuth clients of organizations (<c>scim-admin client create|federate</c>; needs write access to the store):
/// a client id and a secret whose hash is stored, or a federated client that authenticates with its identity
/// provider's JWT. See <see cref="ClientCredentials"/>.
/// </summary>
public sealed class ClientRegistry(ITokenStore store, TimeProvider time)
{
    /// <summary>Makes a client for an organization (needs write access to the store).</summary>
    public async Task<IssuedClient> CreateClientAsync(string organizationId, CancellationToken cancellationToken, DateTimeOffset? expires = null)
    {
        var key = await store.EnsureSigningKeyAsync(cancellationToken).ConfigureAwait(false);
        var clientId = ScimToken.Generate(key, ScimToken.ClientIdPrefix);
        var secret = ScimToken.Generate(key, ScimToken.ClientSecretPrefix);
        var record = new TokenRecord(organizationId, "cli-" + ScimToken.Hash(clientId)[..12], time.GetUtcNow(), Revoked: false, clientId, expires);
        await store.SaveAsync(ScimToken.Hash(secret), record, cancellationToken).ConfigureAwait(false);
        return new IssuedClient(clientId, secret, record);
    }

    /// <summary>
    /// Registers a federated client (Entra ID workload identity federation): no secret; the client authenticates with a
    /// JWT from <paramref name="issuer"/> naming <paramref name="subject"/> for <paramref name="audience"/>. Its record
    /// (the client id's hash) is what <c>client revoke</c> disables.
    /// </summary>
    public async Task<FederatedClient> FederateAsync(string organizationId, string issuer, string subject, string audience, CancellationToken cancellationToken)
    {
        var key = await store.EnsureSigningKeyAsync(cancellationToken).ConfigureAwait(false);
        var clientId = ScimToken.Generate(key, ScimToken.ClientIdPrefix);
        var federated = new FederatedClient(clientId, organizationId, issuer, subject, audience, time.GetUtcNow());
        await store.SaveFederationAsync(federated, cancellationToken).ConfigureAwait(false);
        await store.SaveAsync(ScimToken.Hash(clientId), new TokenRecord(organizationId, "fed-" + ScimToken.Hash(clientId)[..12], federated.Created, Revoked: false, clientId), cancellationToken)
            .ConfigureAwait(false);
        return federated;
    }
}
