using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.RealHost;

/// <summary>
/// The HTTP behaviour clients depend on, under the real Functions host (its routing, limits and proxy to the worker):
/// status codes, application/scim+json, body limits, ETag, Location, WWW-Authenticate and the request id.
/// </summary>
[Collection(RealHostCollection.Name)]
public sealed class RealHostHttpTests(RealHostServer server)
{
    private const string PatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    [Fact]
    public async Task Missing_or_unknown_tokens_are_a_scim_401_with_a_challenge_and_a_request_id()
    {
        foreach (var token in new string?[] { null, "schscim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })
        {
            var response = await server.SendAsync(HttpMethod.Get, "/Users", token);

            AssertError(response, 401, null);
            Assert.StartsWith("Bearer", response.WwwAuthenticate, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_32_MB_body_is_a_scim_413_not_the_hosts_bodiless_500(bool chunked)
    {
        var token = await server.NewOrganizationAsync();
        var body = Encoding.UTF8.GetBytes("{\"userName\":\"big@contoso.com\",\"title\":\"" + new string('x', 32 * 1024 * 1024) + "\"}");
        using var content = chunked ? new StreamContent(new MemoryStream(body)) : (HttpContent)new ByteArrayContent(body);

        var response = await server.PostRawAsync("/Users", token, content, chunked);

        AssertError(response, 413, null);
    }

    [Fact]
    public async Task Unknown_paths_under_the_base_url_are_a_scim_404()
    {
        var token = await server.NewOrganizationAsync();

        AssertError(await server.SendAsync(HttpMethod.Get, "/Devices", token), 404, null);
        AssertError(await server.SendAsync(HttpMethod.Delete, "/Users/not-an-id/extra", token), 404, null);
    }

    [Fact]
    public async Task Media_types_and_malformed_bodies_are_scim_errors()
    {
        var token = await server.NewOrganizationAsync();
        var user = new JsonObject { ["userName"] = "media@contoso.com" };

        AssertError(await server.SendAsync(HttpMethod.Post, "/Users", token, user, contentType: "text/plain"), 415, null);
        using var truncated = new StringContent("{\"userName\":", Encoding.UTF8);
        AssertError(await server.PostRawAsync("/Users", token, truncated), 400, "invalidSyntax");
    }

    [Fact]
    public async Task Entra_user_lifecycle_with_location_etag_conditional_get_and_delete()
    {
        var token = await server.NewOrganizationAsync();
        var miss = await server.SendAsync(HttpMethod.Get, "/Users?filter=" + Uri.EscapeDataString("userName eq \"alex@contoso.com\""), token);
        Assert.Equal(200, miss.Status);
        Assert.Equal(0, miss.TotalResults);

        var created = await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            ["userName"] = "alex@contoso.com",
            ["externalId"] = "alex",
            ["active"] = true,
            ["emails"] = new JsonArray(new JsonObject { ["type"] = "work", ["value"] = "alex@contoso.com", ["primary"] = true }),
        });
        Assert.Equal(201, created.Status);
        Assert.Equal("application/scim+json", created.MediaType);
        Assert.Equal($"{server.BaseUrl}/Users/{created.Id}", created.Location);
        Assert.Equal("W/\"1\"", created.ETag);

        using (var conditional = new HttpRequestMessage(HttpMethod.Get, $"{server.BaseUrl}/Users/{created.Id}"))
        {
            conditional.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", created.ETag);
            var notModified = await server.SendAsync(conditional);
            Assert.Equal(304, notModified.Status);
            Assert.Null(notModified.Body);
        }

        var disabled = await server.SendAsync(HttpMethod.Patch, $"/Users/{created.Id}", token, JsonNode.Parse($$"""
            {"schemas":["{{PatchOp}}"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}
            """));
        Assert.Equal(200, disabled.Status);
        Assert.False(disabled.Body!["active"]!.GetValue<bool>());
        Assert.Equal("W/\"2\"", disabled.ETag);
        AssertError(await server.SendAsync(HttpMethod.Patch, $"/Users/{created.Id}", token, JsonNode.Parse($$"""
            {"schemas":["{{PatchOp}}"],"Operations":[{"op":"replace","path":"title","value":"x"}]}
            """), ifMatch: created.ETag), 412, null);

        Assert.Equal(204, (await server.SendAsync(HttpMethod.Delete, $"/Users/{created.Id}", token)).Status);
        AssertError(await server.SendAsync(HttpMethod.Get, $"/Users/{created.Id}", token), 404, null);
    }

    [Fact]
    public async Task Okta_import_pages_return_every_user_once_and_root_search_spans_both_types()
    {
        var token = await server.NewOrganizationAsync();
        var ids = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            ids.Add((await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = $"okta{i}@contoso.com" }, contentType: "application/json")).Id);
        }

        var group = await server.SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject
        {
            ["displayName"] = "Okta pushed",
            ["members"] = new JsonArray([.. ids.Take(3).Select(id => (JsonNode)new JsonObject { ["value"] = id })]),
        });
        Assert.Equal(201, group.Status);

        var seen = new List<string>();
        for (var start = 1; start <= 23; start += 10)
        {
            var page = await server.SendAsync(HttpMethod.Get, $"/Users?startIndex={start}&count=10", token);
            Assert.Equal(23, page.TotalResults);
            seen.AddRange(page.Body!["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        var search = await server.SendAsync(HttpMethod.Post, "/.search", token, new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest"),
            ["startIndex"] = 23,
            ["count"] = 5,
        });
        Assert.Equal(24, search.TotalResults);
        Assert.Equal(2, search.Body!["Resources"]!.AsArray().Count);
        Assert.Equal(group.Id, search.Body["Resources"]![1]!["id"]!.GetValue<string>());
    }

    private void AssertError(ScimResponse response, int status, string? scimType)
    {
        Assert.True(response.Status == status, $"expected {status}, got {response.Status}: {response.Body}\n{server.HostOutput}");
        Assert.Equal("application/scim+json", response.MediaType);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", response.Body!["schemas"]![0]!.GetValue<string>());
        Assert.Equal(scimType, response.ScimType);
        Assert.NotNull(response.RequestId);
        // A write's error also names its activity journal row (docs/troubleshooting.md).
        Assert.Matches($@"\(request id: {response.RequestId}(, ref: [0-9A-Z]{{4}}-[0-9A-Z]{{4}})?\)$", response.Detail);
    }
}
