using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Security.KeyVault.Secrets;

namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>
/// Token hashes in Azure Key Vault: one secret per token, named <c>scim-token-{sha256 hex}</c>, whose value is the
/// organization id and whose tags carry the organization, the token id and the creation time. A disabled or deleted
/// secret is a revoked token. The app reads with "Key Vault Secrets User"; issuing and revoking need
/// "Key Vault Secrets Officer".
/// </summary>
public sealed class KeyVaultTokenStore(SecretClient client) : ITokenStore
{
    public const string SecretPrefix = "scim-token-";
    private const string OrganizationTag = "organization";
    private const string TokenIdTag = "tokenId";
    private const string CreatedTag = "created";
    private const string ClientIdTag = "clientId";
    private const string ExpiresTag = "expires";
    private const string ContentType = "application/vnd.securecodinghub.scim-token-hash";

    public async Task<TokenRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await client.GetSecretAsync(SecretPrefix + tokenHash, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Read(secret.Value.Properties, secret.Value.Value);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException e) when (e.Status == 403 && InnerErrorCode(e) == "SecretDisabled")
        {
            // Key Vault refuses to read a disabled secret: the token was revoked. Any other 403 (the network or the
            // firewall refused us, the role is missing) says nothing about the token and is an outage below.
            return new TokenRecord(string.Empty, string.Empty, DateTimeOffset.MinValue, Revoked: true);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Throttled, unreachable, timed out, or the app's identity could not get a token for the vault: the
            // answer is unknown, which must never look like a rejected token.
            throw new TokenStoreUnavailableException("Key Vault did not answer the token lookup.", e);
        }
    }

    /// <summary>The secret that holds the signing keys: base64 keys separated by commas, the current one first.</summary>
    public const string SigningKeySecret = "scim-signing-keys";

    public async IAsyncEnumerable<string> ListHashesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = client.GetPropertiesOfSecretsAsync(cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Page<SecretProperties> page;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    page = pages.Current;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    throw new TokenStoreUnavailableException("Key Vault did not list the token hashes.", e);
                }

                foreach (var properties in page.Values)
                {
                    if (properties.Name.StartsWith(SecretPrefix, StringComparison.Ordinal))
                    {
                        yield return properties.Name[SecretPrefix.Length..];
                    }
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<byte[]>> GetSigningKeysAsync(CancellationToken cancellationToken)
    {
        try
        {
            var secret = await client.GetSecretAsync(SigningKeySecret, cancellationToken: cancellationToken).ConfigureAwait(false);
            return [.. secret.Value.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Convert.FromBase64String)];
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return [];
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new TokenStoreUnavailableException("Key Vault did not answer the signing key read.", e);
        }
    }

    public async Task<byte[]> EnsureSigningKeyAsync(CancellationToken cancellationToken)
    {
        var existing = await GetSigningKeysAsync(cancellationToken).ConfigureAwait(false);
        if (existing.Count > 0)
        {
            return existing[0];
        }

        var key = ScimToken.NewSigningKey();
        var secret = new KeyVaultSecret(SigningKeySecret, Convert.ToBase64String(key));
        secret.Properties.ContentType = "application/vnd.securecodinghub.scim-token-signing-keys";
        await client.SetSecretAsync(secret, cancellationToken).ConfigureAwait(false);
        return key;
    }

    /// <summary>A federated client is a secret <c>scim-federation-{sha256(client id)}</c> whose value is its JSON (no secret in it).</summary>
    public const string FederationPrefix = "scim-federation-";

    public async Task SaveFederationAsync(FederatedClient federated, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(federated);
        var secret = new KeyVaultSecret(FederationPrefix + ScimToken.Hash(federated.ClientId), System.Text.Json.JsonSerializer.Serialize(federated));
        secret.Properties.ContentType = "application/vnd.securecodinghub.scim-federated-client+json";
        secret.Properties.Tags[OrganizationTag] = federated.OrganizationId;
        await client.SetSecretAsync(secret, cancellationToken).ConfigureAwait(false);
    }

    public async Task<FederatedClient?> FindFederationAsync(string clientId, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await client.GetSecretAsync(FederationPrefix + ScimToken.Hash(clientId), cancellationToken: cancellationToken).ConfigureAwait(false);
            return System.Text.Json.JsonSerializer.Deserialize<FederatedClient>(secret.Value.Value);
        }
        catch (RequestFailedException e) when (e.Status == 404 || (e.Status == 403 && InnerErrorCode(e) == "SecretDisabled"))
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new TokenStoreUnavailableException("Key Vault did not answer the federated client lookup.", e);
        }
    }

    /// <summary>Key Vault's inner error code (<c>SecretDisabled</c>, <c>ForbiddenByConnection</c>, …) from the error body.</summary>
    private static string? InnerErrorCode(RequestFailedException e)
    {
        var content = e.GetRawResponse()?.Content;
        if (content is null)
        {
            return null;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(content.ToMemory());
            return document.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("innererror", out var inner)
                && inner.TryGetProperty("code", out var code)
                ? code.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public async Task SaveAsync(string tokenHash, TokenRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var secret = new KeyVaultSecret(SecretPrefix + tokenHash, record.OrganizationId);
        secret.Properties.ContentType = ContentType;
        secret.Properties.Tags[OrganizationTag] = record.OrganizationId;
        secret.Properties.Tags[TokenIdTag] = record.TokenId;
        secret.Properties.Tags[CreatedTag] = record.Created.ToString("O", CultureInfo.InvariantCulture);
        if (record.ClientId is not null)
        {
            secret.Properties.Tags[ClientIdTag] = record.ClientId;
        }

        if (record.Expires is { } expires)
        {
            secret.Properties.Tags[ExpiresTag] = expires.ToString("O", CultureInfo.InvariantCulture);
        }
        await client.SetSecretAsync(secret, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<TokenRecord> ListAsync(string organizationId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var properties in client.GetPropertiesOfSecretsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (properties.Name.StartsWith(SecretPrefix, StringComparison.Ordinal)
                && properties.Tags.TryGetValue(OrganizationTag, out var organization)
                && string.Equals(organization, organizationId, StringComparison.Ordinal))
            {
                yield return Read(properties, organization);
            }
        }
    }

    public async Task<bool> RevokeAsync(string organizationId, string tokenId, CancellationToken cancellationToken)
    {
        await foreach (var properties in client.GetPropertiesOfSecretsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (properties.Name.StartsWith(SecretPrefix, StringComparison.Ordinal)
                && properties.Tags.TryGetValue(OrganizationTag, out var organization) && organization == organizationId
                && properties.Tags.TryGetValue(TokenIdTag, out var id) && id == tokenId)
            {
                properties.Enabled = false;
                await client.UpdateSecretPropertiesAsync(properties, cancellationToken).ConfigureAwait(false);
                return true;
            }
        }

        return false;
    }

    private static TokenRecord Read(SecretProperties properties, string organizationId)
    {
        properties.Tags.TryGetValue(TokenIdTag, out var tokenId);
        var created = properties.Tags.TryGetValue(CreatedTag, out var text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
                ? parsed
                : properties.CreatedOn ?? DateTimeOffset.MinValue;
        properties.Tags.TryGetValue(ClientIdTag, out var clientId);
        DateTimeOffset? expires = properties.Tags.TryGetValue(ExpiresTag, out var end)
            && DateTimeOffset.TryParse(end, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var until) ? until : null;
        return new TokenRecord(organizationId, tokenId ?? string.Empty, created, Revoked: properties.Enabled == false, clientId, expires);
    }
}
