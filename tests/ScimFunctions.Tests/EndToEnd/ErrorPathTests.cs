using System.Text;
using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.EndToEnd;

/// <summary>Every error is a SCIM error message in application/scim+json, with the request id at the end of its detail.</summary>
public abstract class ErrorPathTests(ScimHttp server)
{
    private static readonly JsonNode User = JsonNode.Parse("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u@example.com"}""")!;

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    [InlineData("schscim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Missing_malformed_or_unknown_tokens_are_401_with_a_scim_body_and_a_challenge(string? token)
    {
        var response = await server.SendAsync(HttpMethod.Get, "/Users", token);

        AssertError(response, 401, null);
        Assert.Equal("401", response.Body!["status"]!.GetValue<string>());
        Assert.StartsWith("Bearer", response.WwwAuthenticate, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_token_stops_working_after_the_cache_delay()
    {
        var token = await server.NewOrganizationAsync();
        Assert.Equal(200, (await server.SendAsync(HttpMethod.Get, "/Users", token)).Status);
        await server.RevokeAsync(token);
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        Assert.Equal(401, (await server.SendAsync(HttpMethod.Get, "/Users", token)).Status);
    }

    [Fact]
    public async Task Seat_limit_is_403_with_what_to_do()
    {
        var token = await server.NewOrganizationAsync(maxSeats: 1);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = "first@example.com" })).Status);

        var response = await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = "second@example.com" });

        AssertError(response, 403, null);
        Assert.StartsWith("Seat limit reached: 1 of 1 seats are in use. Deactivate or remove users, or raise the seat limit.", response.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Not_found_conflict_and_precondition_failed()
    {
        var token = await server.NewOrganizationAsync();
        var created = await server.SendAsync(HttpMethod.Post, "/Users", token, User);

        AssertError(await server.SendAsync(HttpMethod.Get, "/Users/010101001010101011001010101011", token), 404, null);
        AssertError(await server.SendAsync(HttpMethod.Post, "/Users", token, User), 409, "uniqueness");
        var patch = JsonNode.Parse("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x"}]}""");
        AssertError(await server.SendAsync(HttpMethod.Patch, $"/Users/{created.Id}", token, patch, ifMatch: "W/\"7\""), 412, null);
        Assert.Equal(200, (await server.SendAsync(HttpMethod.Patch, $"/Users/{created.Id}", token, patch, ifMatch: created.ETag)).Status);
    }

    [Fact]
    public async Task Body_over_one_mebibyte_is_413()
    {
        var token = await server.NewOrganizationAsync();
        var body = new JsonObject { ["userName"] = "big@example.com", ["title"] = new string('x', 1_100_000) };

        AssertError(await server.SendAsync(HttpMethod.Post, "/Users", token, body), 413, null);
    }

    [Fact]
    public async Task Other_media_types_are_415_and_json_media_types_are_accepted()
    {
        var token = await server.NewOrganizationAsync();

        AssertError(await server.SendAsync(HttpMethod.Post, "/Users", token, User, contentType: "text/plain"), 415, null);
        AssertError(await server.SendAsync(HttpMethod.Post, "/Users", token, User, contentType: "application/xml"), 415, null);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/Users", token, User, contentType: "application/json; charset=utf-8")).Status);
    }

    [Theory]
    [InlineData("{\"userName\":")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task Malformed_json_is_400_invalidSyntax(string text)
    {
        var token = await server.NewOrganizationAsync();
        using var content = new StringContent(text, Encoding.UTF8);

        AssertError(await server.PostRawAsync("/Users", token, content), 400, "invalidSyntax");
    }

    [Fact]
    public async Task Deeply_nested_json_is_400_not_a_crash()
    {
        var token = await server.NewOrganizationAsync();
        var text = "{\"userName\":\"u\",\"x\":" + new string('[', 5000) + new string(']', 5000) + "}";
        using var content = new StringContent(text, Encoding.UTF8);

        AssertError(await server.PostRawAsync("/Users", token, content), 400, "invalidSyntax");
    }

    [Theory]
    [InlineData("GET", "/Devices")]
    [InlineData("GET", "/Users/abc/extra")]
    [InlineData("PUT", "/Users")]
    [InlineData("DELETE", "/ServiceProviderConfig/x")]
    public async Task Unknown_endpoints_are_a_scim_404(string method, string path)
    {
        var token = await server.NewOrganizationAsync();

        AssertError(await server.SendAsync(new HttpMethod(method), path, token), 404, null);
    }

    [Fact]
    public async Task Invalid_filters_and_paths_are_400_with_their_scim_type()
    {
        var token = await server.NewOrganizationAsync();
        var created = await server.SendAsync(HttpMethod.Post, "/Users", token, User);

        AssertError(await server.SendAsync(HttpMethod.Get, "/Users?filter=userName+eq", token), 400, "invalidFilter");
        AssertError(await server.SendAsync(HttpMethod.Get, "/Users?filter=nickname+gt+true", token), 400, "invalidFilter");
        AssertError(await server.SendAsync(HttpMethod.Get, "/Users?startIndex=abc", token), 400, "invalidValue");
        AssertError(await server.SendAsync(HttpMethod.Patch, $"/Users/{created.Id}", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"nonsense","value":"x"}]}
            """)), 400, "invalidPath");
        AssertError(await server.SendAsync(HttpMethod.Patch, $"/Users/{created.Id}", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove"}]}
            """)), 400, "noTarget");
    }

    private static void AssertError(ScimResponse response, int status, string? scimType)
    {
        Assert.Equal(status, response.Status);
        Assert.Equal("application/scim+json", response.MediaType);
        Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", response.Body!["schemas"]![0]!.GetValue<string>());
        Assert.Equal(status.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Body["status"]!.GetValue<string>());
        Assert.Equal(scimType, response.ScimType);
        Assert.NotNull(response.RequestId);
        // A write's error also names its activity journal row (docs/troubleshooting.md).
        Assert.Matches($@"\(request id: {response.RequestId}(, ref: [0-9A-Z]{{4}}-[0-9A-Z]{{4}})?\)$", response.Detail);
    }
}

/// <summary>Under the local server (the function classes on Kestrel, in-process).</summary>
[Collection(ScimServerCollection.Name)]
public sealed class ErrorPathTestsOnTheLocalServer(ScimServer server) : ErrorPathTests(server);

/// <summary>Under the real Functions host, as Azure runs the app.</summary>
[Collection(RealHostCollection.Name)]
public sealed class ErrorPathTestsUnderTheRealHost(RealHostServer server) : ErrorPathTests(server);
