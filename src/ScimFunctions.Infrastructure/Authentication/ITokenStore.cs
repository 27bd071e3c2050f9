namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>
/// Where token hashes live: Key Vault in Azure (one secret per token), a local file for development. Never holds a
/// token, only its SHA-256.
/// </summary>
public interface ITokenStore
{
    /// <summary>The record for a token hash, or null when no such token was issued (or it was deleted).</summary>
    /// <exception cref="TokenStoreUnavailableException">The store did not answer.</exception>
    Task<TokenRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>Stores the hash of a newly issued token.</summary>
    Task SaveAsync(string tokenHash, TokenRecord record, CancellationToken cancellationToken);

    /// <summary>The tokens of an organization (ids, creation times, status: never a token or a hash).</summary>
    IAsyncEnumerable<TokenRecord> ListAsync(string organizationId, CancellationToken cancellationToken);

    /// <summary>Revokes a token by its id; false when the organization has no such token.</summary>
    Task<bool> RevokeAsync(string organizationId, string tokenId, CancellationToken cancellationToken);

    /// <summary>The hash of every stored token (names only, never a value): the set legacy tokens are checked against.</summary>
    /// <exception cref="TokenStoreUnavailableException">The store did not answer.</exception>
    IAsyncEnumerable<string> ListHashesAsync(CancellationToken cancellationToken);

    /// <summary>The keys that tag tokens (<see cref="ScimToken"/>), the current one first; empty before the first is made.</summary>
    /// <exception cref="TokenStoreUnavailableException">The store did not answer.</exception>
    Task<IReadOnlyList<byte[]>> GetSigningKeysAsync(CancellationToken cancellationToken);

    /// <summary>The current signing key, made and stored first when there is none (issuing needs write access).</summary>
    Task<byte[]> EnsureSigningKeyAsync(CancellationToken cancellationToken);

    /// <summary>Stores a federated client (workload identity federation, RFC 7523) under its client id.</summary>
    Task SaveFederationAsync(FederatedClient federated, CancellationToken cancellationToken);

    /// <summary>The federated client with this id, or null.</summary>
    /// <exception cref="TokenStoreUnavailableException">The store did not answer.</exception>
    Task<FederatedClient?> FindFederationAsync(string clientId, CancellationToken cancellationToken);
}

/// <summary>
/// A client that authenticates with a JWT its identity provider signs (Entra ID workload identity federation):
/// the assertion must come from <paramref name="Issuer"/>, name <paramref name="Subject"/> and be meant for
/// <paramref name="Audience"/>. No secret exists.
/// </summary>
public sealed record FederatedClient(string ClientId, string OrganizationId, string Issuer, string Subject, string Audience, DateTimeOffset Created);

/// <summary>The token store (Key Vault) did not answer or refused the service: authentication cannot be decided (503).</summary>
public sealed class TokenStoreUnavailableException : Exception
{
    public TokenStoreUnavailableException()
        : base("The token store is unavailable.")
    {
    }

    public TokenStoreUnavailableException(string message)
        : base(message)
    {
    }

    public TokenStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
