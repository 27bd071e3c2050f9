using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.OAuth;

/// <summary>
/// Entra ID workload identity federation (RFC 7523) end to end over HTTP, offline: a locally generated key pair served
/// by an in-process OpenID configuration and JWKS; the token endpoint takes the signed assertion instead of a secret.
/// </summary>
public abstract class WorkloadIdentityFederationTests(ScimHttp server) : IAsyncLifetime
{
    private const string Subject = "b1f8a6c2-0000-4000-8000-0123456789ab";
    private const string Audience = "api://securecodinghub-scim";
    private FakeIdentityProvider _idp = null!;

    private string TokenEndpoint => server.BaseUrl.Replace("/scim/v2", "/oauth/token", StringComparison.Ordinal);

    public async Task InitializeAsync() => _idp = await FakeIdentityProvider.StartAsync();

    public async Task DisposeAsync() => await _idp.DisposeAsync();

    [Fact]
    public async Task A_signed_assertion_gets_an_access_token_once_and_revocation_stops_the_client()
    {
        var client = await server.NewFederatedClientAsync(_idp.Issuer, Subject, Audience);
        var assertion = _idp.Assertion(Subject, Audience);

        var granted = await RequestAsync(client.ClientId, assertion);
        Assert.True(granted.Status == 200, granted.Body?.ToJsonString());
        var accessToken = granted.Body!["access_token"]!.GetValue<string>();
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/Users", accessToken, new JsonObject { ["userName"] = "wif@contoso.com" })).Status);

        var replayed = await RequestAsync(client.ClientId, assertion);
        Assert.Equal((401, "invalid_client"), (replayed.Status, replayed.Body!["error"]!.GetValue<string>()));

        // The identity provider rotates its key: the new kid is fetched once and accepted.
        _idp.RotateKey();
        Assert.Equal(200, (await RequestAsync(client.ClientId, _idp.Assertion(Subject, Audience))).Status);

        await server.RevokeFederatedAsync(client.ClientId);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(401, (await RequestAsync(client.ClientId, _idp.Assertion(Subject, Audience))).Status);
        Assert.Equal(401, (await server.SendAsync(HttpMethod.Get, "/Users", accessToken)).Status);
    }

    [Fact]
    public async Task Assertions_for_another_subject_audience_or_issuer_or_expired_ones_are_invalid_client()
    {
        var client = await server.NewFederatedClientAsync(_idp.Issuer, Subject, Audience);
        await using var stranger = await FakeIdentityProvider.StartAsync();

        foreach (var assertion in new[]
        {
            _idp.Assertion("someone-else", Audience),
            _idp.Assertion(Subject, "api://another-app"),
            stranger.Assertion(Subject, Audience, issuer: _idp.Issuer),
            _idp.Assertion(Subject, Audience, issuedAt: DateTime.UtcNow.AddHours(-2), lifetime: TimeSpan.FromMinutes(10)),
            _idp.Assertion(Subject, Audience)[..^6] + "AAAAAA",
        })
        {
            var response = await RequestAsync(client.ClientId, assertion);

            Assert.Equal(401, response.Status);
            Assert.Equal("invalid_client", response.Body!["error"]!.GetValue<string>());
        }

        Assert.Equal(400, (await RequestAsync(client.ClientId, _idp.Assertion(Subject, Audience), assertionType: "urn:example:other")).Status);
    }

    private async Task<(int Status, JsonNode? Body)> RequestAsync(string clientId, string assertion, string assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        using var content = new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("client_id", clientId),
            new("client_assertion_type", assertionType),
            new("client_assertion", assertion),
            new("scope", "scim"),
        ]);
        using var response = await server.Http.PostAsync(TokenEndpoint, content);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }
}

[Collection(ScimServerCollection.Name)]
public sealed class WorkloadIdentityFederationTestsOnTheLocalServer(ScimServer server) : WorkloadIdentityFederationTests(server);

[Collection(RealHostCollection.Name)]
public sealed class WorkloadIdentityFederationTestsUnderTheRealHost(RealHostServer server) : WorkloadIdentityFederationTests(server);
