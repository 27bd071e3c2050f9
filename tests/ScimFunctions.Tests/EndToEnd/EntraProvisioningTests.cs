using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.EndToEnd;

/// <summary>What Microsoft Entra ID sends in a provisioning cycle, over HTTP, in both PATCH dialects.</summary>
public abstract class EntraProvisioningTests(ScimHttp server)
{
    private const string Entra = "Microsoft Azure Active Directory SCIM Client";

    [Fact]
    public async Task User_lifecycle_filter_create_update_disable_delete()
    {
        var token = await server.NewOrganizationAsync();
        var lookup = await server.SendAsync(HttpMethod.Get, "/Users?aadOptscim062020&filter=userName+eq+%22Test_User%40contoso.com%22", token, userAgent: Entra);
        Assert.Equal(200, lookup.Status);
        Assert.Equal(0, lookup.TotalResults);
        Assert.Equal("application/scim+json", lookup.MediaType);

        var created = await server.SendAsync(HttpMethod.Post, "/Users", token, JsonNode.Parse("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
              "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
              "userName": "Test_User@contoso.com",
              "active": true,
              "displayName": "Test User",
              "emails": [{ "primary": true, "type": "work", "value": "Test_User@contoso.com" }],
              "meta": { "resourceType": "User" },
              "name": { "formatted": "Test User", "familyName": "User", "givenName": "Test" },
              "roles": [],
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Sales" }
            }
            """), userAgent: Entra);
        Assert.Equal(201, created.Status);
        Assert.Equal($"{server.BaseUrl}/Users/{created.Id}", created.Location);
        Assert.Equal("W/\"1\"", created.ETag);
        var id = created.Id;

        var byName = await server.SendAsync(HttpMethod.Get, "/Users?filter=userName+eq+%22test_user%40CONTOSO.com%22", token);
        Assert.Equal(id, byName.Body!["Resources"]![0]!["id"]!.GetValue<string>());

        // Without aadOptscim062020: capitalised ops, one op per path, string booleans.
        var update = await server.SendAsync(HttpMethod.Patch, $"/Users/{id}", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated@contoso.com"},
              {"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0101"},
              {"op":"Replace","path":"name.familyName","value":"Jensen"},
              {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":[{"$ref":null,"value":"26118915"}]}]}
            """), userAgent: Entra);
        Assert.Equal(200, update.Status);
        Assert.Equal("updated@contoso.com", update.Body!["emails"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("+1 555 0101", update.Body["phoneNumbers"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("26118915", update.Body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["manager"]!["value"]!.GetValue<string>());

        // With aadOptscim062020: a path-less replace with dotted and URN keys.
        var flagged = await server.SendAsync(HttpMethod.Patch, $"/Users/{id}?aadOptscim062020", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"replace","value":{"displayName":"Barbara Jensen","name.givenName":"Barbara","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"701984"}}]}
            """), userAgent: Entra);
        Assert.Equal(200, flagged.Status);
        Assert.Equal("Barbara", flagged.Body!["name"]!["givenName"]!.GetValue<string>());
        Assert.Equal("701984", flagged.Body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]!["employeeNumber"]!.GetValue<string>());

        var disable = await server.SendAsync(HttpMethod.Patch, $"/Users/{id}", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}
            """), userAgent: Entra);
        Assert.Equal(200, disable.Status);
        var afterDisable = await server.SendAsync(HttpMethod.Get, "/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22", token);
        Assert.False(afterDisable.Body!["Resources"]![0]!["active"]!.GetValue<bool>());

        Assert.Equal(204, (await server.SendAsync(HttpMethod.Delete, $"/Users/{id}", token)).Status);
        Assert.Equal(404, (await server.SendAsync(HttpMethod.Get, $"/Users/{id}", token)).Status);
    }

    [Fact]
    public async Task Group_lifecycle_filter_create_add_remove_members_delete()
    {
        var token = await server.NewOrganizationAsync();
        var u1 = (await CreateUserAsync(token, "one@contoso.com")).Id;
        var u2 = (await CreateUserAsync(token, "two@contoso.com")).Id;

        var lookup = await server.SendAsync(HttpMethod.Get, "/Groups?excludedAttributes=members&filter=displayName+eq+%22Sales%22", token);
        Assert.Equal(0, lookup.TotalResults);

        var created = await server.SendAsync(HttpMethod.Post, "/Groups", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
             "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales","members":[]}
            """));
        Assert.Equal(201, created.Status);
        var id = created.Id;

        var add = await server.SendAsync(HttpMethod.Patch, $"/Groups/{id}", token, JsonNode.Parse($$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Add","path":"members","value":[{"$ref":null,"value":"{{u1}}"},{"$ref":null,"value":"{{u2}}"}]}]}
            """));
        var remove = await server.SendAsync(HttpMethod.Patch, $"/Groups/{id}", token, JsonNode.Parse($$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Remove","path":"members","value":[{"value":"{{u1}}"}]}]}
            """));
        Assert.Equal(204, add.Status);
        Assert.Null(add.Body);
        Assert.Equal(204, remove.Status);

        var found = await server.SendAsync(HttpMethod.Get, "/Groups?excludedAttributes=members&filter=displayName+eq+%22sales%22", token);
        Assert.Equal(id, found.Body!["Resources"]![0]!["id"]!.GetValue<string>());
        Assert.Null(found.Body["Resources"]![0]!["members"]);
        var group = await server.SendAsync(HttpMethod.Get, $"/Groups/{id}", token);
        Assert.Equal(u2, group.Body!["members"]!.AsArray().Single()!["value"]!.GetValue<string>());

        var withAttributes = await server.SendAsync(HttpMethod.Patch, $"/Groups/{id}?attributes=displayName", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Sales EMEA"}]}
            """));
        Assert.Equal(200, withAttributes.Status);
        Assert.Equal("Sales EMEA", withAttributes.Body!["displayName"]!.GetValue<string>());

        Assert.Equal(204, (await server.SendAsync(HttpMethod.Delete, $"/Groups/{id}", token)).Status);
        Assert.Equal(404, (await server.SendAsync(HttpMethod.Get, $"/Groups/{id}", token)).Status);
    }

    private Task<ScimResponse> CreateUserAsync(string token, string userName) =>
        server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["userName"] = userName,
            ["active"] = true,
        });
}

/// <summary>Under the local server (the function classes on Kestrel, in-process).</summary>
[Collection(ScimServerCollection.Name)]
public sealed class EntraProvisioningTestsOnTheLocalServer(ScimServer server) : EntraProvisioningTests(server);

/// <summary>Under the real Functions host, as Azure runs the app.</summary>
[Collection(RealHostCollection.Name)]
public sealed class EntraProvisioningTestsUnderTheRealHost(RealHostServer server) : EntraProvisioningTests(server);
