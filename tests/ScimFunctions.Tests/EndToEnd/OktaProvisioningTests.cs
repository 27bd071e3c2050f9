using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.EndToEnd;

/// <summary>What Okta sends: filter with paging, POST with password and groups, PUT, path-less deactivation, import paging.</summary>
public abstract class OktaProvisioningTests(ScimHttp server)
{
    private const string Okta = "Okta SCIM Client 1.0.0";

    [Fact]
    public async Task User_assign_update_deactivate()
    {
        var token = await server.NewOrganizationAsync();
        var lookup = await server.SendAsync(HttpMethod.Get, "/Users?filter=userName%20eq%20%22isabella.jones%40example.com%22&startIndex=1&count=100", token, userAgent: Okta);
        Assert.Equal(200, lookup.Status);
        Assert.Equal(0, lookup.TotalResults);
        Assert.Equal(1, lookup.Body!["startIndex"]!.GetValue<int>());

        var body = JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"isabella.jones@example.com",
             "name":{"givenName":"Isabella","familyName":"Jones"},
             "emails":[{"primary":true,"value":"isabella.jones@example.com","type":"work"}],
             "displayName":"Isabella Jones","locale":"en-US","externalId":"00u1dhhb1fkIGP7RL1d8","groups":[],"password":"1mz050nq","active":true}
            """)!;
        var created = await server.SendAsync(HttpMethod.Post, "/Users", token, body, contentType: "application/json", userAgent: Okta);
        Assert.Equal(201, created.Status);
        Assert.Null(created.Body!["password"]);
        Assert.True(created.Body["active"]!.GetValue<bool>());

        var duplicate = await server.SendAsync(HttpMethod.Post, "/Users", token, body, contentType: "application/json", userAgent: Okta);
        Assert.Equal(409, duplicate.Status);
        Assert.Equal("uniqueness", duplicate.ScimType);

        var put = (JsonObject)created.Body.DeepClone();
        put["name"]!["familyName"] = "Jones-Smith";
        put["title"] = "Engineer";
        var replaced = await server.SendAsync(HttpMethod.Put, $"/Users/{created.Id}", token, put, contentType: "application/json", userAgent: Okta);
        Assert.Equal(200, replaced.Status);
        Assert.Equal("Jones-Smith", replaced.Body!["name"]!["familyName"]!.GetValue<string>());

        var deactivated = await server.SendAsync(HttpMethod.Patch, $"/Users/{created.Id}", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}
            """), userAgent: Okta);
        Assert.Equal(200, deactivated.Status);
        Assert.False(deactivated.Body!["active"]!.GetValue<bool>());
        Assert.Equal("Engineer", deactivated.Body["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Import_pages_by_100_with_stable_order_and_integer_totals()
    {
        var token = await server.NewOrganizationAsync();
        for (var i = 0; i < 230; i++)
        {
            var result = await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = $"user{i:D3}@example.com" });
            Assert.Equal(201, result.Status);
        }

        var ids = new List<string>();
        for (var start = 1; start <= 230; start += 100)
        {
            var page = await server.SendAsync(HttpMethod.Get, $"/Users?startIndex={start}&count=100", token, userAgent: Okta);
            Assert.Equal(230, page.TotalResults);
            Assert.Equal(start, page.Body!["startIndex"]!.GetValue<int>());
            ids.AddRange(page.Body["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        }

        Assert.Equal(230, ids.Distinct().Count());
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
    }

    [Fact]
    public async Task Group_push_with_membership_in_one_patch()
    {
        var token = await server.NewOrganizationAsync();
        var u1 = (await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = "a@example.com" })).Id;
        var u2 = (await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = "b@example.com" })).Id;
        var group = await server.SendAsync(HttpMethod.Post, "/Groups", token, JsonNode.Parse($$"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"{{u1}}","display":"a@example.com"}]}
            """), contentType: "application/json", userAgent: Okta);
        Assert.Equal(201, group.Status);

        var patch = await server.SendAsync(HttpMethod.Patch, $"/Groups/{group.Id}", token, JsonNode.Parse($$$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"replace","value":{"id":"{{{group.Id}}}","displayName":"Engineering"}},
              {"op":"remove","path":"members[value eq \"{{{u1}}}\"]"},
              {"op":"add","path":"members","value":[{"value":"{{{u2}}}","display":"b@example.com"}]}]}
            """), userAgent: Okta);

        Assert.Equal(204, patch.Status);
        var read = await server.SendAsync(HttpMethod.Get, $"/Groups/{group.Id}", token);
        Assert.Equal(u2, read.Body!["members"]!.AsArray().Single()!["value"]!.GetValue<string>());
    }
}

/// <summary>Under the local server (the function classes on Kestrel, in-process).</summary>
[Collection(ScimServerCollection.Name)]
public sealed class OktaProvisioningTestsOnTheLocalServer(ScimServer server) : OktaProvisioningTests(server);

/// <summary>Under the real Functions host, as Azure runs the app.</summary>
[Collection(RealHostCollection.Name)]
public sealed class OktaProvisioningTestsUnderTheRealHost(RealHostServer server) : OktaProvisioningTests(server);
