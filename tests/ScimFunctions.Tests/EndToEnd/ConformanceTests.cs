using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.EndToEnd;

/// <summary>
/// What third-party suites and real identity providers tripped over (issue 9), over HTTP: each test is named for the
/// behaviour a client relies on.
/// </summary>
public abstract class ConformanceTests(ScimHttp server)
{
    private const string PatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    [Fact]
    public async Task Two_users_may_share_an_externalId_and_a_filter_on_it_returns_both_case_exactly()
    {
        var token = await server.NewOrganizationAsync();
        var first = await CreateUserAsync(token, "first@contoso.com", externalId: "jsmith");
        var second = await CreateUserAsync(token, "second@contoso.com", externalId: "jsmith");
        await CreateUserAsync(token, "third@contoso.com", externalId: "JSMITH");

        var list = await server.SendAsync(HttpMethod.Get, "/Users?filter=" + Uri.EscapeDataString("externalId eq \"jsmith\""), token);

        Assert.Equal(2, list.TotalResults);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), Ids(list).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Replace_on_an_unmatched_value_filter_is_noTarget_unless_it_selects_a_canonical_type()
    {
        var token = await server.NewOrganizationAsync();
        var id = await CreateUserAsync(token, "patch@contoso.com");

        var noTarget = await PatchAsync(token, id, """{"op":"replace","path":"emails[value eq \"nobody@contoso.com\"].display","value":"x"}""");
        var created = await PatchAsync(token, id, """{"op":"Replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0100"}""");

        Assert.Equal(400, noTarget.Status);
        Assert.Equal("noTarget", noTarget.ScimType);
        Assert.Equal(200, created.Status);
        Assert.Equal("+1 555 0100", created.Body!["phoneNumbers"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("mobile", created.Body["phoneNumbers"]![0]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("emails[type eq \\\"work\\\"")]
    [InlineData("emails[type zz \\\"work\\\"].value")]
    [InlineData("emails[nonsense eq \\\"work\\\"].value")]
    public async Task Patch_path_errors_are_invalidPath_also_inside_the_brackets(string path)
    {
        var token = await server.NewOrganizationAsync();
        var id = await CreateUserAsync(token, "path@contoso.com");

        var response = await PatchAsync(token, id, $$"""{"op":"replace","path":"{{path}}","value":"x"}""");

        Assert.Equal(400, response.Status);
        Assert.Equal("invalidPath", response.ScimType);
    }

    [Fact]
    public async Task Get_with_If_None_Match_of_the_current_version_is_304_without_a_body()
    {
        var token = await server.NewOrganizationAsync();
        var created = await server.SendAsync(HttpMethod.Post, "/Users", token, User("etag@contoso.com"));

        var current = await GetAsync($"/Users/{created.Id}", token, created.ETag!);
        var stale = await GetAsync($"/Users/{created.Id}", token, "W/\"999\"");

        Assert.Equal(304, current.Status);
        Assert.Null(current.Body);
        Assert.Equal(created.ETag, current.ETag);
        Assert.Equal(200, stale.Status);
        Assert.Equal(created.Id, stale.Id);
    }

    [Fact]
    public async Task Invalid_utf8_in_a_body_is_400_invalidSyntax()
    {
        var token = await server.NewOrganizationAsync();
        using var content = new ByteArrayContent([.. "{\"userName\":\""u8, 0xC3, 0x28, 0xFF, .. "@contoso.com\"}"u8]);

        var response = await server.PostRawAsync("/Users", token, content);

        Assert.Equal(400, response.Status);
        Assert.Equal("invalidSyntax", response.ScimType);
        Assert.Equal("application/scim+json", response.MediaType);
    }

    [Fact]
    public async Task Groups_of_a_user_are_returned_on_request_by_get_and_by_lists()
    {
        var token = await server.NewOrganizationAsync();
        var id = await CreateUserAsync(token, "member@contoso.com");
        var group = await server.SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:Group"),
            ["displayName"] = "Readers",
            ["members"] = new JsonArray(new JsonObject { ["value"] = id }),
        });

        var plain = await server.SendAsync(HttpMethod.Get, $"/Users/{id}", token);
        var get = await server.SendAsync(HttpMethod.Get, $"/Users/{id}?attributes=groups", token);
        var list = await server.SendAsync(HttpMethod.Get, "/Users?attributes=userName,groups", token);
        var schema = await server.SendAsync(HttpMethod.Get, "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", token);

        Assert.Null(plain.Body!["groups"]);
        Assert.Equal(group.Id, get.Body!["groups"]![0]!["value"]!.GetValue<string>());
        Assert.Equal(group.Id, list.Body!["Resources"]![0]!["groups"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("member@contoso.com", list.Body["Resources"]![0]!["userName"]!.GetValue<string>());
        var groups = schema.Body!["attributes"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "groups")!;
        Assert.Equal("request", groups["returned"]!.GetValue<string>());
    }

    [Fact]
    public async Task Search_at_the_service_root_returns_users_and_groups_with_their_schemas()
    {
        var token = await server.NewOrganizationAsync();
        var user = await CreateUserAsync(token, "root@contoso.com");
        var group = (await server.SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject { ["displayName"] = "Root group" })).Id;

        var all = await SearchAsync(token, new JsonObject());
        var byName = await SearchAsync(token, new JsonObject { ["filter"] = "userName eq \"root@contoso.com\"" });
        var secondPage = await SearchAsync(token, new JsonObject { ["startIndex"] = 2, ["count"] = 1 });
        var neither = await SearchAsync(token, new JsonObject { ["filter"] = "nonsense eq \"x\"" });

        Assert.Equal(200, all.Status);
        Assert.Equal(2, all.TotalResults);
        Assert.Equal([user, group], Ids(all));
        Assert.Equal("urn:ietf:params:scim:schemas:core:2.0:User", all.Body!["Resources"]![0]!["schemas"]![0]!.GetValue<string>());
        Assert.Equal("Group", all.Body["Resources"]![1]!["meta"]!["resourceType"]!.GetValue<string>());
        Assert.Equal([user], Ids(byName));
        Assert.Equal(1, byName.TotalResults);
        Assert.Equal([group], Ids(secondPage));
        Assert.Equal(2, secondPage.TotalResults);
        Assert.Equal(400, neither.Status);
        Assert.Equal("invalidFilter", neither.ScimType);
    }

    [Fact]
    public async Task Entra_soft_delete_tombstone_and_restore_keep_the_user_and_free_its_userName()
    {
        var token = await server.NewOrganizationAsync();
        var id = await CreateUserAsync(token, "alex@contoso.com");
        const string Tombstone = "0a1b2c3d4e5f60718293a4b5c6d7e8f9alex@contoso.com";

        var deleted = await PatchAsync(token, id, $$"""{"op":"Replace","path":"userName","value":"{{Tombstone}}"}""", """{"op":"Replace","path":"active","value":"False"}""");
        var other = await server.SendAsync(HttpMethod.Post, "/Users", token, User("alex@contoso.com"));
        var blocked = await PatchAsync(token, id, """{"op":"Replace","path":"userName","value":"alex@contoso.com"}""");
        Assert.Equal(204, (await server.SendAsync(HttpMethod.Delete, $"/Users/{other.Id}", token)).Status);
        var restored = await PatchAsync(token, id, """{"op":"Replace","path":"userName","value":"alex@contoso.com"}""", """{"op":"Replace","path":"active","value":"True"}""");

        Assert.Equal(200, deleted.Status);
        Assert.Equal(id, deleted.Id);
        Assert.False(deleted.Body!["active"]!.GetValue<bool>());
        Assert.Equal(201, other.Status);
        Assert.Equal(409, blocked.Status);
        Assert.Equal("uniqueness", blocked.ScimType);
        Assert.Contains($"scim-admin user delete", blocked.Detail, StringComparison.Ordinal);
        Assert.Contains(other.Id, blocked.Detail, StringComparison.Ordinal);
        Assert.Equal(200, restored.Status);
        Assert.Equal(id, restored.Id);
        Assert.Equal("alex@contoso.com", restored.Body!["userName"]!.GetValue<string>());
        Assert.Equal("idpSoftDelete", await server.ProvisioningNoteAsync(deleted.RequestId!));
        Assert.Equal("-", await server.ProvisioningNoteAsync(blocked.RequestId!));
        Assert.Equal("idpRestore", await server.ProvisioningNoteAsync(restored.RequestId!));
    }

    [Fact]
    public async Task Okta_put_without_active_keeps_the_user_deactivated()
    {
        var token = await server.NewOrganizationAsync();
        var id = await CreateUserAsync(token, "okta@contoso.com");
        Assert.Equal(200, (await PatchAsync(token, id, """{"op":"replace","value":{"active":false}}""")).Status);

        var put = await server.SendAsync(HttpMethod.Put, $"/Users/{id}", token, new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["userName"] = "okta@contoso.com",
            ["name"] = new JsonObject { ["givenName"] = "Okta", ["familyName"] = "User" },
        }, contentType: "application/json", userAgent: "Okta SCIM Client 1.0.0");

        Assert.Equal(200, put.Status);
        Assert.False(put.Body!["active"]!.GetValue<bool>());
        Assert.Equal("Okta", put.Body["name"]!["givenName"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("Engineering")]
    [InlineData("ENGINEERING")]
    public async Task Group_put_that_keeps_its_own_displayName_is_not_a_conflict(string displayName)
    {
        var token = await server.NewOrganizationAsync();
        var member = await CreateUserAsync(token, "eng@contoso.com");
        var group = await server.SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject
        {
            ["displayName"] = "Engineering",
            ["members"] = new JsonArray(new JsonObject { ["value"] = member }),
        });

        var put = await server.SendAsync(HttpMethod.Put, $"/Groups/{group.Id}", token, new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:Group"),
            ["displayName"] = displayName,
            ["externalId"] = "okta-group-1",
            ["members"] = new JsonArray(new JsonObject { ["value"] = member }),
        });

        Assert.Equal(200, put.Status);
        Assert.Equal(displayName, put.Body!["displayName"]!.GetValue<string>());
        Assert.Equal(member, put.Body["members"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Requests_without_a_User_Agent_are_served()
    {
        var token = await server.NewOrganizationAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, server.BaseUrl + "/Users?filter=" + Uri.EscapeDataString("userName eq \"nobody@contoso.com\""));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.UserAgent.Clear();

        var response = await server.SendAsync(request);

        Assert.Equal(200, response.Status);
        Assert.Equal(0, response.TotalResults);
    }

    private static JsonObject User(string userName, string? externalId = null) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
        ["userName"] = userName,
        ["externalId"] = externalId,
        ["active"] = true,
    };

    private async Task<string> CreateUserAsync(string token, string userName, string? externalId = null)
    {
        var response = await server.SendAsync(HttpMethod.Post, "/Users", token, User(userName, externalId));
        Assert.True(response.Status == 201, response.Detail);
        return response.Id;
    }

    private Task<ScimResponse> PatchAsync(string token, string id, params string[] operations) =>
        server.SendAsync(HttpMethod.Patch, $"/Users/{id}", token, JsonNode.Parse($$"""{"schemas":["{{PatchOp}}"],"Operations":[{{string.Join(',', operations)}}]}"""));

    private Task<ScimResponse> SearchAsync(string token, JsonObject search)
    {
        search["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:SearchRequest");
        return server.SendAsync(HttpMethod.Post, "/.search", token, search);
    }

    private async Task<ScimResponse> GetAsync(string path, string token, string ifNoneMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, server.BaseUrl + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return await server.SendAsync(request);
    }

    private static string[] Ids(ScimResponse list) => [.. list.Body!["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>())];
}

/// <summary>Under the local server (the function classes on Kestrel, in-process).</summary>
[Collection(ScimServerCollection.Name)]
public sealed class ConformanceTestsOnTheLocalServer(ScimServer server) : ConformanceTests(server);

/// <summary>Under the real Functions host, as Azure runs the app.</summary>
[Collection(RealHostCollection.Name)]
public sealed class ConformanceTestsUnderTheRealHost(RealHostServer server) : ConformanceTests(server);
