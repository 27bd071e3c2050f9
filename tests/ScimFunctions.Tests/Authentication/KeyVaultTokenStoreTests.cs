using System.Net;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Authentication;

/// <summary>The real SecretClient, through its transport, against an in-memory Key Vault with the challenge flow.</summary>
public sealed class KeyVaultTokenStoreTests : IDisposable
{
    private readonly FakeKeyVault _vault = new();
    private readonly FakeCredential _credential = new();

    public void Dispose() => _vault.Dispose();

    private KeyVaultTokenStore Store() => _vault.TokenStore(_credential);

    [Fact]
    public async Task Issued_token_is_stored_as_a_hash_and_found_again_through_the_challenge_flow()
    {
        var store = Store();
        var issued = await new TokenIssuer(store, TimeProvider.System).IssueAsync("contoso", CancellationToken.None);

        var found = await store.FindAsync(ScimToken.Hash(issued.Token), CancellationToken.None);

        Assert.Equal("contoso", found!.OrganizationId);
        Assert.Equal(issued.Record.TokenId, found.TokenId);
        Assert.False(found.Revoked);
        Assert.True(_vault.UnauthenticatedRequests >= 1);
        Assert.Contains("https://vault.azure.net/.default", _credential.Scopes);
        var name = Assert.Single(_vault.SecretNames, n => n.StartsWith(KeyVaultTokenStore.SecretPrefix, StringComparison.Ordinal));
        Assert.Equal(KeyVaultTokenStore.SecretPrefix + ScimToken.Hash(issued.Token), name);
        Assert.DoesNotContain(issued.Token[ScimToken.Prefix.Length..], name, StringComparison.Ordinal);
        Assert.True(ScimToken.HasValidTag(issued.Token, await store.GetSigningKeysAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task One_signing_key_is_made_once_and_the_known_hashes_are_listed_by_name()
    {
        var store = Store();
        Assert.Empty(await store.GetSigningKeysAsync(CancellationToken.None));

        var first = await new TokenIssuer(store, TimeProvider.System).IssueAsync("contoso", CancellationToken.None);
        var second = await new TokenIssuer(store, TimeProvider.System).IssueAsync("fabrikam", CancellationToken.None);
        var hashes = new List<string>();
        await foreach (var hash in store.ListHashesAsync(CancellationToken.None))
        {
            hashes.Add(hash);
        }

        Assert.Single(await store.GetSigningKeysAsync(CancellationToken.None));
        Assert.Equal(new[] { ScimToken.Hash(first.Token), ScimToken.Hash(second.Token) }.Order(StringComparer.Ordinal), hashes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Only_a_disabled_secret_means_revoked_and_a_network_denial_is_an_outage()
    {
        var store = Store();
        var issued = await new TokenIssuer(store, TimeProvider.System).IssueAsync("contoso", CancellationToken.None);
        _vault.ForbiddenBy = "ForbiddenByConnection";

        // "Public network access is disabled…": a 403 whose message says "disabled", about the vault, not the token.
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => store.FindAsync(ScimToken.Hash(issued.Token), CancellationToken.None));

        _vault.ForbiddenBy = null;
        Assert.True(await store.RevokeAsync("contoso", issued.Record.TokenId, CancellationToken.None));
        Assert.True((await store.FindAsync(ScimToken.Hash(issued.Token), CancellationToken.None))!.Revoked);
    }

    [Fact]
    public async Task Unknown_hash_is_null()
    {
        Assert.Null(await Store().FindAsync(ScimToken.Hash(ScimToken.GenerateLegacy()), CancellationToken.None));
    }

    [Fact]
    public async Task Revoked_token_is_a_disabled_secret_and_reads_as_revoked()
    {
        var store = Store();
        var issued = await new TokenIssuer(store, TimeProvider.System).IssueAsync("contoso", CancellationToken.None);
        var other = await new TokenIssuer(store, TimeProvider.System).IssueAsync("contoso", CancellationToken.None);

        Assert.True(await store.RevokeAsync("contoso", issued.Record.TokenId, CancellationToken.None));

        Assert.True((await store.FindAsync(ScimToken.Hash(issued.Token), CancellationToken.None))!.Revoked);
        Assert.False((await store.FindAsync(ScimToken.Hash(other.Token), CancellationToken.None))!.Revoked);
        var listed = new List<TokenRecord>();
        await foreach (var record in store.ListAsync("contoso", CancellationToken.None))
        {
            listed.Add(record);
        }

        Assert.Equal(2, listed.Count);
        Assert.Single(listed, r => r.Revoked);
        Assert.False(await store.RevokeAsync("fabrikam", other.Record.TokenId, CancellationToken.None));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task An_outage_is_unavailable_never_unknown(HttpStatusCode status)
    {
        _vault.Outage = status;

        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => Store().FindAsync(ScimToken.Hash(ScimToken.GenerateLegacy()), CancellationToken.None));
    }
}
