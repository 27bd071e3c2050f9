using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.OAuth;

/// <summary>
/// Entra ID's "OAuth2 Client Credentials Grant" end to end over HTTP: the token endpoint (RFC 6749 §4.4, §5), then SCIM
/// requests with the access token, then revocation; and the error cases.
/// </summary>
public abstract class ClientCredentialsTests(ScimHttp server)
{
    private string TokenEndpoint => server.BaseUrl.Replace("/scim/v2", "/oauth/token", StringComparison.Ordinal);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_gets_an_access_token_that_works_on_scim_routes_until_its_secret_is_revoked(bool basic)
    {
        var client = await server.NewClientAsync();

        var response = await RequestTokenAsync(client.ClientId, client.ClientSecret, basic, scope: "scim");
        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.MediaType);
        Assert.Equal("no-store", response.CacheControl);
        Assert.Equal("Bearer", response.Body!["token_type"]!.GetValue<string>());
        Assert.Equal(3600, response.Body["expires_in"]!.GetValue<int>());
        var accessToken = response.Body["access_token"]!.GetValue<string>();

        var created = await server.SendAsync(HttpMethod.Post, "/Users", accessToken, new JsonObject { ["userName"] = "oauth@contoso.com" });
        Assert.Equal(201, created.Status);
        Assert.Equal(1, (await server.SendAsync(HttpMethod.Get, "/Users", accessToken)).TotalResults);

        await server.RevokeAsync(client.ClientSecret);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal(401, (await server.SendAsync(HttpMethod.Get, "/Users", accessToken)).Status);
        var again = await RequestTokenAsync(client.ClientId, client.ClientSecret, basic);
        Assert.Equal(401, again.Status);
        Assert.Equal("invalid_client", again.Body!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_or_made_up_client_credentials_are_invalid_client_with_a_challenge()
    {
        var client = await server.NewClientAsync();
        var other = await server.NewClientAsync();

        foreach (var (id, secret) in new[]
        {
            (client.ClientId, other.ClientSecret),
            (client.ClientId, Tamper(client.ClientSecret)),
            (Tamper(client.ClientId), client.ClientSecret),
            ("someone", "something"),
        })
        {
            var response = await RequestTokenAsync(id, secret, basic: true);

            Assert.Equal(401, response.Status);
            Assert.Equal("invalid_client", response.Body!["error"]!.GetValue<string>());
            Assert.StartsWith("Basic", response.WwwAuthenticate, StringComparison.Ordinal);
        }

        // An access token's own text is checked: a tampered one is no bearer token.
        var issued = (await RequestTokenAsync(client.ClientId, client.ClientSecret, basic: false)).Body!["access_token"]!.GetValue<string>();
        Assert.Equal(401, (await server.SendAsync(HttpMethod.Get, "/Users", issued[..^4] + (issued.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"))).Status);
    }

    /// <summary>The text with its last two characters replaced by others (random text ends in "AA" one time in 4,096).</summary>
    private static string Tamper(string text) => text[..^2] + (text.EndsWith("AA", StringComparison.Ordinal) ? "BB" : "AA");

    [Theory]
    [InlineData("grant_type=password&username=a&password=b", 400, "unsupported_grant_type")]
    [InlineData("grant_type=authorization_code&code=x", 400, "unsupported_grant_type")]
    [InlineData("client_id=x&client_secret=y", 400, "invalid_request")]
    [InlineData("grant_type=client_credentials", 401, "invalid_client")]
    public async Task Malformed_requests_get_the_rfc_6749_error(string form, int status, string error)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint) { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };

        var response = await SendAsync(request);

        Assert.Equal(status, response.Status);
        Assert.Equal(error, response.Body!["error"]!.GetValue<string>());
        Assert.Equal("application/json", response.MediaType);
    }

    private async Task<TokenResponse> RequestTokenAsync(string clientId, string clientSecret, bool basic, string? scope = null)
    {
        var fields = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        if (scope is not null)
        {
            fields.Add(new("scope", scope));
        }

        if (!basic)
        {
            fields.Add(new("client_id", clientId));
            fields.Add(new("client_secret", clientSecret));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint) { Content = new FormUrlEncodedContent(fields) };
        if (basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}")));
        }

        return await SendAsync(request);
    }

    private async Task<TokenResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new TokenResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonNode.Parse(text),
            response.Headers.CacheControl?.ToString(), response.Headers.WwwAuthenticate.ToString());
    }

    private sealed record TokenResponse(int Status, string? MediaType, JsonNode? Body, string? CacheControl, string WwwAuthenticate);
}

[Collection(ScimServerCollection.Name)]
public sealed class ClientCredentialsTestsOnTheLocalServer(ScimServer server) : ClientCredentialsTests(server);

[Collection(RealHostCollection.Name)]
public sealed class ClientCredentialsTestsUnderTheRealHost(RealHostServer server) : ClientCredentialsTests(server);
