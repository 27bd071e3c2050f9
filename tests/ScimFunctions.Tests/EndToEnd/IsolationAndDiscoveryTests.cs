using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.EndToEnd;

[Collection(ScimServerCollection.Name)]
public sealed class IsolationAndDiscoveryTests(ScimServer server)
{
    [Fact]
    public async Task Two_organizations_never_see_each_others_data()
    {
        var user = await server.SendAsync(HttpMethod.Post, "/Users", server.TokenA, new JsonObject { ["userName"] = "alice@a.example", ["externalId"] = "shared-ext" });
        var group = await server.SendAsync(HttpMethod.Post, "/Groups", server.TokenA, new JsonObject { ["displayName"] = "A team" });
        Assert.Equal(201, user.Status);

        Assert.Equal(404, (await server.SendAsync(HttpMethod.Get, $"/Users/{user.Id}", server.TokenB)).Status);
        Assert.Equal(404, (await server.SendAsync(HttpMethod.Get, $"/Groups/{group.Id}", server.TokenB)).Status);
        Assert.Equal(404, (await server.SendAsync(HttpMethod.Delete, $"/Users/{user.Id}", server.TokenB)).Status);
        Assert.Equal(0, (await server.SendAsync(HttpMethod.Get, "/Users?filter=userName+eq+%22alice%40a.example%22", server.TokenB)).TotalResults);
        Assert.Equal(0, (await server.SendAsync(HttpMethod.Get, "/Groups?filter=displayName+eq+%22A+team%22", server.TokenB)).TotalResults);
        var foreignMember = await server.SendAsync(HttpMethod.Post, "/Groups", server.TokenB, JsonNode.Parse($$"""{"displayName":"B team","members":[{"value":"{{user.Id}}"}]}"""));
        Assert.Equal(400, foreignMember.Status);

        // The same userName and externalId are free in the other organization.
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/Users", server.TokenB, new JsonObject { ["userName"] = "alice@a.example", ["externalId"] = "shared-ext" })).Status);
        Assert.Equal(200, (await server.SendAsync(HttpMethod.Get, $"/Users/{user.Id}", server.TokenA)).Status);
    }

    [Fact]
    public async Task Discovery_documents_describe_the_server()
    {
        var config = await server.SendAsync(HttpMethod.Get, "/ServiceProviderConfig", server.TokenA);
        var types = await server.SendAsync(HttpMethod.Get, "/ResourceTypes", server.TokenA);
        var userType = await server.SendAsync(HttpMethod.Get, "/ResourceTypes/User", server.TokenA);
        var schemas = await server.SendAsync(HttpMethod.Get, "/Schemas", server.TokenA);
        var userSchema = await server.SendAsync(HttpMethod.Get, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", server.TokenA);
        var missing = await server.SendAsync(HttpMethod.Get, "/Schemas/urn:example:none", server.TokenA);

        Assert.True(config.Body!["patch"]!["supported"]!.GetValue<bool>());
        Assert.True(config.Body["pagination"]!["cursor"]!.GetValue<bool>());
        Assert.Equal($"{server.BaseUrl}/ServiceProviderConfig", config.Body["meta"]!["location"]!.GetValue<string>());
        Assert.Equal(2, types.TotalResults);
        Assert.Equal("/Users", userType.Body!["endpoint"]!.GetValue<string>());
        Assert.Equal(3, schemas.TotalResults);
        Assert.Equal("User", userSchema.Body!["name"]!.GetValue<string>());
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Search_by_post_and_cursor_paging()
    {
        var token = await server.NewOrganizationAsync();
        for (var i = 0; i < 5; i++)
        {
            await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = $"s{i}@example.com", ["title"] = i % 2 == 0 ? "even" : "odd" });
        }

        var search = await server.SendAsync(HttpMethod.Post, "/Users/.search", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"title eq \"even\"","attributes":["userName"],"startIndex":1,"count":10}
            """));
        Assert.Equal(200, search.Status);
        Assert.Equal(3, search.TotalResults);
        Assert.Null(search.Body!["Resources"]![0]!["title"]);

        var seen = new List<string>();
        var cursor = string.Empty;
        while (cursor is not null)
        {
            var page = await server.SendAsync(HttpMethod.Get, $"/Users?count=2&cursor={cursor}", token);
            seen.AddRange(page.Body!["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
            cursor = page.Body["nextCursor"]?.GetValue<string>();
        }

        Assert.Equal(5, seen.Distinct().Count());
    }
}
