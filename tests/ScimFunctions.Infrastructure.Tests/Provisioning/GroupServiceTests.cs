using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

[Collection(AzuriteCollection.Name)]
public sealed class GroupServiceTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Create_with_members_and_read_them_back()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "bjensen@contoso.com");

        var created = await scim.Groups.CreateAsync(org, Fixture.GroupBody("Tour Guides", user), None);

        Assert.Equal(201, created.Status);
        var member = created.Body!["members"]!.AsArray().Single()!;
        Assert.Equal(user, member["value"]!.GetValue<string>());
        Assert.Equal($"{Fixture.BaseUrl}/Users/{user}", member["$ref"]!.GetValue<string>());
        Assert.Equal("User", member["type"]!.GetValue<string>());
        Assert.Equal("bjensen@contoso.com", member["display"]!.GetValue<string>());
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Display_name_is_unique_ignoring_case()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        await scim.Groups.CreateAsync(org, Fixture.GroupBody("Tour Guides"), None);
        var other = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Other"), None)).Body!["id"]!.GetValue<string>();

        var duplicate = await scim.Groups.CreateAsync(org, Fixture.GroupBody("TOUR GUIDES"), None);
        var rename = await scim.Groups.PatchAsync(org, other, Fixture.Patch("""{"op":"replace","path":"displayName","value":"tour guides"}"""), null, Projection.Default, None);

        Assert.Equal(409, duplicate.Status);
        Assert.Equal(ScimErrorType.Uniqueness, duplicate.Error!.ScimType);
        Assert.Contains("displayName", duplicate.Error.Detail, StringComparison.Ordinal);
        Assert.Equal(409, rename.Status);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Entra_lookup_filters_by_display_name_without_members()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "bjensen@contoso.com");
        var id = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Tour Guides", user), None)).Body!["id"]!.GetValue<string>();

        var list = await scim.Groups.ListAsync(org, new ListRequest { Filter = "displayName eq \"tour guides\"", ExcludedAttributes = "members" }, None);
        var byMember = await scim.Groups.ListAsync(org, new ListRequest { Filter = $"members[value eq \"{user}\"]" }, None);
        var get = await scim.Groups.GetAsync(org, id, new Projection(ExcludedAttributes: "members"), None);

        var resource = list.Body!["Resources"]!.AsArray().Single()!;
        Assert.Equal(id, resource["id"]!.GetValue<string>());
        Assert.Null(resource["members"]);
        Assert.Equal(id, byMember.Body!["Resources"]!.AsArray().Single()!["id"]!.GetValue<string>());
        Assert.Null(get.Body!["members"]);
    }

    [Fact]
    public async Task Member_changes_in_the_shapes_idps_send()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var u = new string[5];
        for (var i = 0; i < u.Length; i++)
        {
            u[i] = await scim.CreateUserAsync(org, $"u{i}@contoso.com");
        }

        var id = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("G", u[0]), None)).Body!["id"]!.GetValue<string>();

        // Entra: Add several, then Remove with a value array; Okta: remove by filter and add in one PATCH.
        var add = await scim.Groups.PatchAsync(org, id, Fixture.Patch($$"""{"op":"Add","path":"members","value":[{"$ref":null,"value":"{{u[1]}}"},{"value":"{{u[2]}}"},{"value":"{{u[3]}}"}]}"""), null, Projection.Default, None);
        var remove = await scim.Groups.PatchAsync(org, id, Fixture.Patch($$"""{"op":"Remove","path":"members","value":[{"value":"{{u[0]}}"},{"value":"{{u[2]}}"}]}"""), null, Projection.Default, None);
        var okta = await scim.Groups.PatchAsync(org, id, Fixture.Patch(
            $$"""{"op":"remove","path":"members[value eq \"{{u[1]}}\"]"}""",
            $$"""{"op":"add","path":"members","value":[{"value":"{{u[4]}}","display":"Four"}]}"""), null, Projection.Default, None);

        Assert.Equal(204, add.Status);
        Assert.Equal(204, remove.Status);
        Assert.Equal(204, okta.Status);
        Assert.Equal(new[] { u[3], u[4] }.Order(StringComparer.Ordinal), await MembersAsync(scim, org, id));
        await scim.AssertConsistentAsync(org);

        var replaced = await scim.Groups.PatchAsync(org, id, Fixture.Patch($$"""{"op":"replace","path":"members","value":[{"value":"{{u[0]}}"}]}"""), null, new Projection("members"), None);
        Assert.Equal(200, replaced.Status);
        Assert.Equal([u[0]], await MembersAsync(scim, org, id));
        Assert.Equal(204, (await scim.Groups.PatchAsync(org, id, Fixture.Patch("""{"op":"remove","path":"members"}"""), null, Projection.Default, None)).Status);
        Assert.Empty(await MembersAsync(scim, org, id));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Okta_rename_with_id_in_a_pathless_replace()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Old"), None)).Body!["id"]!.GetValue<string>();

        var result = await scim.Groups.PatchAsync(org, id, Fixture.Patch($$$"""{"op":"replace","value":{"id":"{{{id}}}","displayName":"New"}}"""), null, Projection.Default, None);

        Assert.Equal(204, result.Status);
        Assert.Equal("New", (await scim.Groups.GetAsync(org, id, Projection.Default, None)).Body!["displayName"]!.GetValue<string>());
        var list = await scim.Groups.ListAsync(org, new ListRequest { Filter = "displayName eq \"old\"" }, None);
        Assert.Equal(0, list.Body!["totalResults"]!.GetValue<long>());
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Members_must_be_users_of_the_same_organization()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var other = await scim.NewOrganizationAsync();
        var stranger = await scim.CreateUserAsync(other, "stranger@fabrikam.com");
        var id = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("G"), None)).Body!["id"]!.GetValue<string>();

        var patch = await scim.Groups.PatchAsync(org, id, Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{stranger}}"}]}"""), null, Projection.Default, None);
        var create = await scim.Groups.CreateAsync(org, Fixture.GroupBody("H", "not-a-user"), None);

        Assert.Equal(400, patch.Status);
        Assert.Equal(ScimErrorType.InvalidValue, patch.Error!.ScimType);
        Assert.Equal(400, create.Status);
        Assert.Empty(await MembersAsync(scim, org, id));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_users_groups_are_derived_from_membership_and_returned_on_request()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "bjensen@contoso.com");
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Tour Guides", user), None)).Body!["id"]!.GetValue<string>();

        var plain = await scim.Users.GetAsync(org, user, Projection.Default, None);
        var withGroups = await scim.Users.GetAsync(org, user, new Projection("userName,groups"), None);

        Assert.Null(plain.Body!["groups"]);
        var membership = withGroups.Body!["groups"]!.AsArray().Single()!;
        Assert.Equal(group, membership["value"]!.GetValue<string>());
        Assert.Equal("Tour Guides", membership["display"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_a_group_removes_its_membership_rows()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "bjensen@contoso.com");
        var id = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Tour Guides", user), None)).Body!["id"]!.GetValue<string>();

        Assert.Equal(204, (await scim.Groups.DeleteAsync(org, id, null, None)).Status);

        Assert.Equal(404, (await scim.Groups.GetAsync(org, id, Projection.Default, None)).Status);
        Assert.Null((await scim.Users.GetAsync(org, user, new Projection("groups"), None)).Body!["groups"]);
        Assert.Equal(201, (await scim.Groups.CreateAsync(org, Fixture.GroupBody("tour guides"), None)).Status);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Adding_one_member_costs_the_same_for_a_group_of_10_and_of_200()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var users = new List<string>();
        for (var i = 0; i < 202; i++)
        {
            users.Add(await scim.CreateUserAsync(org, $"u{i}@contoso.com"));
        }

        var small = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Small", [.. users.Take(10)]), None)).Body!["id"]!.GetValue<string>();
        var large = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Large", [.. users.Take(200)]), None)).Body!["id"]!.GetValue<string>();

        var costs = new List<(int Reads, int Queries, int Actions)>();
        foreach (var (group, user) in new[] { (small, users[200]), (large, users[201]) })
        {
            counting.Reset();
            var result = await scim.Groups.PatchAsync(org, group, Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{user}}"}]}"""), null, Projection.Default, None);
            Assert.Equal(204, result.Status);
            costs.Add((counting.Reads, counting.Queries, counting.Actions));
        }

        Assert.Equal(costs[0], costs[1]);
        Assert.Equal(0, costs[1].Queries);
        Assert.Equal(201, (await MembersAsync(scim, org, large)).Count);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_membership_change_larger_than_one_transaction_lands_whole()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var users = new List<string>();
        for (var i = 0; i < 120; i++)
        {
            users.Add(await scim.CreateUserAsync(org, $"u{i}@contoso.com"));
        }

        var id = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Big", [.. users]), None)).Body!["id"]!.GetValue<string>();

        Assert.Equal(120, (await MembersAsync(scim, org, id)).Count);
        await scim.AssertConsistentAsync(org);
    }

    private static async Task<List<string>> MembersAsync(Fixture scim, ScimRequestContext org, string id)
    {
        var group = await scim.Groups.GetAsync(org, id, Projection.Default, None);
        return group.Body!["members"]?.AsArray().Select(m => m!["value"]!.GetValue<string>()).ToList() ?? [];
    }
}
