using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ScimFunctions.Tests.Support;

/// <summary>A SCIM endpoint the tests talk to over real HTTP: the local server or the real Functions host.</summary>
public abstract class ScimHttp
{
    public abstract string BaseUrl { get; }

    /// <summary>The storage the server runs on (Azurite, with its queue service): where change events arrive.</summary>
    public abstract string StorageConnectionString { get; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A new organization with a new token (returned).</summary>
    public abstract Task<string> NewOrganizationAsync(int? maxSeats = null);

    /// <summary>A new organization with an OAuth client (as <c>scim-admin client create</c> makes it).</summary>
    public abstract Task<ScimFunctions.Infrastructure.Authentication.IssuedClient> NewClientAsync();

    /// <summary>A new organization with a federated client (as <c>scim-admin client federate</c> makes it).</summary>
    public abstract Task<ScimFunctions.Infrastructure.Authentication.FederatedClient> NewFederatedClientAsync(string issuer, string subject, string audience);

    /// <summary>Revokes a token as <c>scim-admin token revoke</c> does, in the store the app reads.</summary>
    public abstract Task RevokeAsync(string token);

    /// <summary>Revokes a federated client (its record is the client id's hash), as <c>scim-admin client revoke</c> does.</summary>
    public Task RevokeFederatedAsync(string clientId) => RevokeAsync(clientId);

    /// <summary>The <c>Note</c> field of the provisioning record the app wrote for one request.</summary>
    public abstract Task<string?> ProvisioningNoteAsync(string requestId);

    /// <summary>Makes an OAuth client of a new organization in a token store.</summary>
    protected static Task<ScimFunctions.Infrastructure.Authentication.IssuedClient> CreateClientInAsync(ScimFunctions.Infrastructure.Authentication.ITokenStore store, string organizationId) =>
        new ScimFunctions.Infrastructure.Authentication.ClientRegistry(store, TimeProvider.System).CreateClientAsync(organizationId, CancellationToken.None);

    /// <summary>Registers a federated client of a new organization in a token store.</summary>
    protected static Task<ScimFunctions.Infrastructure.Authentication.FederatedClient> FederateInAsync(
        ScimFunctions.Infrastructure.Authentication.ITokenStore store, string organizationId, string issuer, string subject, string audience) =>
        new ScimFunctions.Infrastructure.Authentication.ClientRegistry(store, TimeProvider.System).FederateAsync(organizationId, issuer, subject, audience, CancellationToken.None);

    /// <summary>Revokes a token in a token store.</summary>
    protected static async Task RevokeInAsync(ScimFunctions.Infrastructure.Authentication.ITokenStore store, string token)
    {
        var record = await store.FindAsync(ScimFunctions.Infrastructure.Authentication.ScimToken.Hash(token), CancellationToken.None);
        Assert.NotNull(record);
        Assert.True(await store.RevokeAsync(record.OrganizationId, record.TokenId, CancellationToken.None));
    }

    public async Task<ScimResponse> SendAsync(HttpMethod method, string path, string? token, JsonNode? body = null, string contentType = "application/scim+json", string? ifMatch = null, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(method, BaseUrl + path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return await SendAsync(request);
    }

    /// <summary>POSTs a body exactly as given (malformed, oversized, invalid bytes) as <c>application/scim+json</c>.</summary>
    public async Task<ScimResponse> PostRawAsync(string path, string token, HttpContent content, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl + path) { Content = content };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/scim+json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TransferEncodingChunked = chunked;
        return await SendAsync(request);
    }

    public async Task<ScimResponse> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        using var response = await Http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return new ScimResponse(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            text.Length == 0 ? null : JsonNode.Parse(text),
            response.Headers.ETag?.ToString(),
            response.Headers.Location?.ToString(),
            response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.Single() : null,
            response.Headers.TryGetValues("Retry-After", out var retry) ? retry.Single() : null,
            response.Headers.WwwAuthenticate.ToString());
    }
}
