using System.Text.Json.Nodes;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

[Collection(AzuriteCollection.Name)]
public sealed class UserServiceTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Create_returns_201_with_id_meta_location_and_etag()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();

        var result = await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com", "ext-1", workEmail: "bjensen@contoso.com"), None);

        Assert.Equal(201, result.Status);
        var id = result.Body!["id"]!.GetValue<string>();
        Assert.Equal($"{Fixture.BaseUrl}/Users/{id}", result.Location);
        Assert.Equal("W/\"1\"", result.ETag.ToString());
        Assert.Equal("W/\"1\"", result.Body["meta"]!["version"]!.GetValue<string>());
        Assert.Equal("User", result.Body["meta"]!["resourceType"]!.GetValue<string>());
        Assert.Equal(result.Location, result.Body["meta"]!["location"]!.GetValue<string>());
        var read = await scim.Users.GetAsync(org, id, Projection.Default, None);
        Assert.True(JsonNode.DeepEquals(result.Body, read.Body));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Duplicate_userName_ignoring_case_is_409_uniqueness()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com", "ext-1"), None);

        var result = await scim.Users.CreateAsync(org, Fixture.UserBody("BJENSEN@contoso.com"), None);

        Assert.Equal(409, result.Status);
        Assert.Equal(ScimErrorType.Uniqueness, result.Error!.ScimType);
        Assert.Contains("userName", result.Error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("bjensen", result.Error.Detail, StringComparison.OrdinalIgnoreCase);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task ExternalId_is_not_unique_and_moves_with_its_users()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var first = (await scim.Users.CreateAsync(org, Fixture.UserBody("first@contoso.com", "mail-nickname"), None)).Body!["id"]!.GetValue<string>();
        var second = await scim.Users.CreateAsync(org, Fixture.UserBody("second@contoso.com", "mail-nickname"), None);
        Assert.Equal(201, second.Status);

        var both = Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"mail-nickname\""));
        Assert.Equal(2, both.Length);
        Assert.Contains(first, both);

        Assert.Equal(200, (await scim.Users.PatchAsync(org, first, Fixture.Patch("""{"op":"replace","path":"externalId","value":"renamed"}"""), null, Projection.Default, None)).Status);
        Assert.Equal([second.Body!["id"]!.GetValue<string>()], Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"mail-nickname\"")));
        Assert.Equal([first], Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"renamed\"")));
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"RENAMED\"")));
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, first, null, None)).Status);
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"renamed\"")));
        await scim.AssertConsistentAsync(org);
    }

    [Theory]
    [InlineData("userName eq \"BJensen@Contoso.com\"")]
    [InlineData("externalId eq \"ext-1\"")]
    [InlineData("emails[type eq \"work\"].value eq \"BJENSEN@contoso.com\"")]
    [InlineData("emails.value eq \"bjensen@contoso.com\"")]
    [InlineData("emails eq \"bjensen@contoso.com\"")]
    [InlineData("userName eq \"bjensen@contoso.com\" and active eq true")]
    [InlineData("userName eq \"nobody\" or externalId eq \"ext-1\"")]
    [InlineData("title pr or userName co \"JENSEN\"")]
    [InlineData("not (userName eq \"nobody\") and userName sw \"bjen\"")]
    public async Task Filters_find_the_user_by_index_or_by_evaluation(string filter)
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = (await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com", "ext-1", workEmail: "bjensen@contoso.com"), None)).Body!["id"]!.GetValue<string>();
        await scim.CreateUserAsync(org, "other@contoso.com", workEmail: "other@contoso.com");

        var list = await scim.ListUsersAsync(org, filter);

        Assert.Equal([id], Fixture.Ids(list));
        Assert.Equal(1, list["totalResults"]!.GetValue<long>());
    }

    [Fact]
    public async Task Filter_for_a_user_that_does_not_exist_is_an_empty_list()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();

        var list = await scim.ListUsersAsync(org, "userName eq \"" + Guid.NewGuid() + "\"");

        Assert.Equal(0, list["totalResults"]!.GetValue<long>());
        Assert.Empty(list["Resources"]!.AsArray());
    }

    [Fact]
    public async Task Invalid_filter_is_400_invalidFilter()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();

        var result = await scim.Users.ListAsync(org, new ListRequest { Filter = "userName eq" }, None);

        Assert.Equal(400, result.Status);
        Assert.Equal(ScimErrorType.InvalidFilter, result.Error!.ScimType);
    }

    [Fact]
    public async Task Organizations_never_see_each_others_users()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var mine = await scim.NewOrganizationAsync();
        var theirs = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(theirs, "secret@fabrikam.com", workEmail: "secret@fabrikam.com");

        Assert.Equal(404, (await scim.Users.GetAsync(mine, id, Projection.Default, None)).Status);
        Assert.Equal(404, (await scim.Users.PatchAsync(mine, id, Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None)).Status);
        Assert.Equal(404, (await scim.Users.ReplaceAsync(mine, id, Fixture.UserBody("secret@fabrikam.com"), null, None)).Status);
        Assert.Equal(404, (await scim.Users.DeleteAsync(mine, id, null, None)).Status);
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(mine)));
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(mine, "userName eq \"secret@fabrikam.com\"")));
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(mine, $"id eq \"{id}\"")));
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(mine, "emails.value co \"fabrikam\"")));

        // The same userName is free in another organization.
        Assert.Equal(201, (await scim.Users.CreateAsync(mine, Fixture.UserBody("secret@fabrikam.com"), None)).Status);
        Assert.Equal([id], Fixture.Ids(await scim.ListUsersAsync(theirs)));
    }

    [Fact]
    public async Task Get_with_an_id_that_is_not_ours_is_404()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();

        foreach (var id in new[] { "010101001010101011001010101011", "../org", "x:y", Guid.NewGuid().ToString() })
        {
            var result = await scim.Users.GetAsync(org, id, Projection.Default, None);
            Assert.Equal(404, result.Status);
        }
    }

    [Fact]
    public async Task Patch_deactivation_keeps_every_attribute_and_the_user_is_still_listed()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync(maxSeats: 5);
        var created = (await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com", "ext-1", workEmail: "bjensen@contoso.com"), None)).Body!.AsObject();
        var id = created["id"]!.GetValue<string>();

        var result = await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"Replace","path":"active","value":"False"}"""), null, Projection.Default, None);

        Assert.Equal(200, result.Status);
        Assert.False(result.Body!["active"]!.GetValue<bool>());
        Assert.Equal("W/\"2\"", result.ETag.ToString());
        foreach (var name in new[] { "userName", "externalId", "name", "emails" })
        {
            Assert.True(JsonNode.DeepEquals(created[name], result.Body[name]), name);
        }

        Assert.Equal([id], Fixture.Ids(await scim.ListUsersAsync(org, "active eq false")));
        Assert.Equal([id], Fixture.Ids(await scim.ListUsersAsync(org)));
        Assert.Equal(0, (await scim.Organizations.GetAsync(org.OrganizationId, None))!.ActiveUsers);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Patch_that_changes_nothing_does_not_write()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(org, "bjensen@contoso.com");

        var result = await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"replace","path":"active","value":true}"""), null, Projection.Default, None);

        Assert.Equal(200, result.Status);
        Assert.Equal("W/\"1\"", result.ETag.ToString());
    }

    [Fact]
    public async Task Rename_moves_the_userName_index_and_frees_the_old_name()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(org, "old@contoso.com");
        await scim.CreateUserAsync(org, "taken@contoso.com");

        var taken = await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"replace","path":"userName","value":"TAKEN@contoso.com"}"""), null, Projection.Default, None);
        var renamed = await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"replace","path":"userName","value":"new@contoso.com"}"""), null, Projection.Default, None);

        Assert.Equal(409, taken.Status);
        Assert.Equal(ScimErrorType.Uniqueness, taken.Error!.ScimType);
        Assert.Equal(200, renamed.Status);
        Assert.Equal([id], Fixture.Ids(await scim.ListUsersAsync(org, "userName eq \"NEW@contoso.com\"")));
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(org, "userName eq \"old@contoso.com\"")));
        Assert.Equal(201, (await scim.Users.CreateAsync(org, Fixture.UserBody("old@contoso.com"), None)).Status);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Put_replaces_the_profile_as_okta_sends_it()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(org, "isabella@example.com", workEmail: "isabella@example.com");
        var body = Fixture.UserBody("isabella@example.com", "00u1dhhb1fkIGP7RL1d8", workEmail: "isabella.jones@example.com");
        body["id"] = id;
        body["title"] = "Engineer";
        body["password"] = "never-stored";

        var result = await scim.Users.ReplaceAsync(org, id, body, null, None);

        Assert.Equal(200, result.Status);
        Assert.Equal("Engineer", result.Body!["title"]!.GetValue<string>());
        Assert.Null(result.Body["password"]);
        Assert.Equal([id], Fixture.Ids(await scim.ListUsersAsync(org, "emails.value eq \"isabella.jones@example.com\"")));
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(org, "emails.value eq \"isabella@example.com\"")));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Stale_if_match_is_412_and_current_if_match_succeeds()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(org, "bjensen@contoso.com");
        var change = Fixture.Patch("""{"op":"replace","path":"title","value":"A"}""");

        var first = await scim.Users.PatchAsync(org, id, change, "W/\"1\"", Projection.Default, None);
        var stale = await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"replace","path":"title","value":"B"}"""), "W/\"1\"", Projection.Default, None);
        var staleDelete = await scim.Users.DeleteAsync(org, id, "W/\"1\"", None);

        Assert.Equal(200, first.Status);
        Assert.Equal(412, stale.Status);
        Assert.Equal(412, staleDelete.Status);
        Assert.Equal("A", (await scim.Users.GetAsync(org, id, Projection.Default, None)).Body!["title"]!.GetValue<string>());
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, id, "W/\"2\"", None)).Status);
    }

    [Fact]
    public async Task Delete_removes_the_user_its_index_rows_and_memberships()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(org, "bjensen@contoso.com", workEmail: "bjensen@contoso.com");
        var stays = await scim.CreateUserAsync(org, "stays@contoso.com");
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Tour Guides", id, stays), None)).Body!["id"]!.GetValue<string>();

        Assert.Equal(204, (await scim.Users.DeleteAsync(org, id, null, None)).Status);

        Assert.Equal(404, (await scim.Users.GetAsync(org, id, Projection.Default, None)).Status);
        Assert.Equal(404, (await scim.Users.DeleteAsync(org, id, null, None)).Status);
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(org, "userName eq \"bjensen@contoso.com\"")));
        var members = (await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]!.AsArray();
        Assert.Equal([stays], members.Select(m => m!["value"]!.GetValue<string>()));
        Assert.Equal(1, (await scim.Organizations.GetAsync(org.OrganizationId, None))!.Users);
        Assert.Equal(201, (await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com"), None)).Status);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_resource_too_large_for_one_entity_is_413()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var body = Fixture.UserBody("big@contoso.com");
        body["emails"] = null;
        body["roles"] = new JsonArray([.. Enumerable.Range(0, 20).Select(i => (JsonNode)new JsonObject { ["value"] = new string('r', 30_000) + i })]);

        var result = await scim.Users.CreateAsync(org, body, None);

        Assert.Equal(413, result.Status);
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(org)));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Large_resource_within_limits_is_stored_across_columns()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var body = Fixture.UserBody("wide@contoso.com");
        body["roles"] = new JsonArray([.. Enumerable.Range(0, 5).Select(i => (JsonNode)new JsonObject { ["value"] = new string('r', 30_000) + i })]);

        var created = await scim.Users.CreateAsync(org, body, None);
        var read = await scim.Users.GetAsync(org, created.Body!["id"]!.GetValue<string>(), Projection.Default, None);

        Assert.Equal(201, created.Status);
        Assert.Equal(5, read.Body!["roles"]!.AsArray().Count);
        Assert.True(JsonNode.DeepEquals(created.Body, read.Body));
    }
}
