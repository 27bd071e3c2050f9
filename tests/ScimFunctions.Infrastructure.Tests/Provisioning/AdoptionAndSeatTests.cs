using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

[Collection(AzuriteCollection.Name)]
public sealed class AdoptionAndSeatTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData(UserSource.Manual, "userName eq \"BJensen@Contoso.com\"")]
    [InlineData(UserSource.Jit, "emails[type eq \"work\"].value eq \"bjensen@contoso.com\"")]
    [InlineData(UserSource.Jit, "emails.value eq \"BJENSEN@CONTOSO.COM\"")]
    public async Task Users_that_exist_before_scim_are_found_by_the_idp_lookup(UserSource source, string filter)
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var existing = await scim.Users.CreateUnmanagedAsync(org, Fixture.UserBody("bjensen@contoso.com", workEmail: "bjensen@contoso.com"), source, None);

        var list = await scim.ListUsersAsync(org, filter);

        Assert.Equal([existing.Body!["id"]!.GetValue<string>()], Fixture.Ids(list));
    }

    [Fact]
    public async Task Post_matching_a_manual_user_by_userName_adopts_it()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var manual = await scim.Users.CreateUnmanagedAsync(org, Fixture.UserBody("bjensen@contoso.com"), UserSource.Manual, None);
        var id = manual.Body!["id"]!.GetValue<string>();
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Early adopters", id), None)).Body!["id"]!.GetValue<string>();
        var body = Fixture.UserBody("BJensen@contoso.com", "entra-object-id", workEmail: "bjensen@contoso.com");
        body["displayName"] = "Barbara Jensen";

        var adopted = await scim.Users.CreateAsync(org, body, None);

        Assert.Equal(201, adopted.Status);
        Assert.Equal(id, adopted.Body!["id"]!.GetValue<string>());
        Assert.Equal("entra-object-id", adopted.Body["externalId"]!.GetValue<string>());
        Assert.Equal("Barbara Jensen", adopted.Body["displayName"]!.GetValue<string>());
        Assert.Equal("W/\"2\"", adopted.ETag.ToString());
        var members = (await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]!.AsArray();
        Assert.Equal(id, members.Single()!["value"]!.GetValue<string>());
        Assert.Equal(0, (await scim.Organizations.GetAsync(org.OrganizationId, None))!.UnmanagedUsers);
        await scim.AssertConsistentAsync(org);

        // Now SCIM-managed: the same POST again is a conflict.
        var again = await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com"), None);
        Assert.Equal(409, again.Status);
        Assert.Equal(ScimErrorType.Uniqueness, again.Error!.ScimType);
    }

    [Fact]
    public async Task Post_matching_a_jit_user_by_email_adopts_it_and_keeps_its_data()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var jitBody = Fixture.UserBody("barbara", workEmail: "bjensen@contoso.com");
        jitBody["title"] = "Tour Guide";
        var jit = await scim.Users.CreateUnmanagedAsync(org, jitBody, UserSource.Jit, None);

        var adopted = await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com", "ext-9", workEmail: "bjensen@contoso.com"), None);

        Assert.Equal(201, adopted.Status);
        Assert.Equal(jit.Body!["id"]!.GetValue<string>(), adopted.Body!["id"]!.GetValue<string>());
        Assert.Equal("bjensen@contoso.com", adopted.Body["userName"]!.GetValue<string>());
        Assert.Equal("Tour Guide", adopted.Body["title"]!.GetValue<string>());
        Assert.Empty(Fixture.Ids(await scim.ListUsersAsync(org, "userName eq \"barbara\"")));
        await scim.AssertConsistentAsync(org);
    }

    [Theory]
    [InlineData("home")]
    [InlineData("other")]
    public async Task An_address_that_is_neither_primary_nor_work_never_links_to_someone_elses_account(string type)
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var jitBody = Fixture.UserBody("victim", workEmail: "victim@contoso.com");
        jitBody["emails"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject { ["value"] = "shared@contoso.com", ["type"] = type });
        var jit = (await scim.Users.CreateUnmanagedAsync(org, jitBody, UserSource.Jit, None)).Body!["id"]!.GetValue<string>();
        var attacker = Fixture.UserBody("attacker@contoso.com");
        attacker["emails"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["value"] = "shared@contoso.com", ["type"] = "work", ["primary"] = true });

        var created = await scim.Users.CreateAsync(org, attacker, None);

        Assert.Equal(201, created.Status);
        Assert.NotEqual(jit, created.Body!["id"]!.GetValue<string>());
        Assert.Null(created.Note);
        await scim.AssertConsistentAsync(org);
    }

    [Theory]
    [InlineData(AdoptionRule.UserNameOrEmail, "bjensen@contoso.com", true, "adopted:userName")]
    [InlineData(AdoptionRule.UserNameOrEmail, "barbara.jensen@contoso.com", true, "adopted:email")]
    [InlineData(AdoptionRule.UserName, "BJENSEN@contoso.com", true, "adopted:userName")]
    [InlineData(AdoptionRule.UserName, "barbara.jensen@contoso.com", false, null)]
    [InlineData(AdoptionRule.Off, "barbara.jensen@contoso.com", false, null)]
    public async Task Adoption_follows_the_organization_rule_and_says_what_matched(AdoptionRule rule, string userName, bool adopts, string? note)
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        await scim.Organizations.SetAdoptionAsync(org.OrganizationId, rule, None);
        var manual = (await scim.Users.CreateUnmanagedAsync(org, Fixture.UserBody("bjensen@contoso.com", workEmail: "bjensen@contoso.com"), UserSource.Manual, None)).Body!["id"]!.GetValue<string>();

        var result = await scim.Users.CreateAsync(org, Fixture.UserBody(userName, workEmail: "bjensen@contoso.com"), None);

        Assert.Equal(rule, (await scim.Organizations.GetAsync(org.OrganizationId, None))!.Adoption);
        Assert.Equal(201, result.Status);
        Assert.Equal(adopts, manual == result.Body!["id"]!.GetValue<string>());
        Assert.Equal(note, result.Note);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task With_adoption_off_an_existing_userName_is_a_conflict()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        await scim.Organizations.SetAdoptionAsync(org.OrganizationId, AdoptionRule.Off, None);
        await scim.Users.CreateUnmanagedAsync(org, Fixture.UserBody("bjensen@contoso.com"), UserSource.Manual, None);

        var result = await scim.Users.CreateAsync(org, Fixture.UserBody("bjensen@contoso.com"), None);

        Assert.Equal(409, result.Status);
        Assert.Equal(ScimErrorType.Uniqueness, result.Error!.ScimType);
    }

    [Fact]
    public async Task Seat_limit_refuses_new_active_users_with_an_actionable_detail()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync(maxSeats: 2);
        await scim.CreateUserAsync(org, "one@contoso.com");
        var two = await scim.CreateUserAsync(org, "two@contoso.com");

        var third = await scim.Users.CreateAsync(org, Fixture.UserBody("three@contoso.com"), None);
        var inactive = await scim.Users.CreateAsync(org, Fixture.UserBody("four@contoso.com", active: false), None);

        Assert.Equal(403, third.Status);
        Assert.Equal("Seat limit reached: 2 of 2 seats are in use. Deactivate or remove users, or raise the seat limit.", third.Error!.Detail);
        Assert.Equal(201, inactive.Status);
        var four = inactive.Body!["id"]!.GetValue<string>();

        var activate = Fixture.Patch("""{"op":"replace","path":"active","value":true}""");
        Assert.Equal(403, (await scim.Users.PatchAsync(org, four, activate, null, Projection.Default, None)).Status);
        var put = Fixture.UserBody("four@contoso.com", active: true);
        Assert.Equal(403, (await scim.Users.ReplaceAsync(org, four, put, null, None)).Status);

        Assert.Equal(200, (await scim.Users.PatchAsync(org, two, Fixture.Patch("""{"op":"replace","value":{"active":false}}"""), null, Projection.Default, None)).Status);
        Assert.Equal(200, (await scim.Users.PatchAsync(org, four, activate, null, Projection.Default, None)).Status);
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, four, null, None)).Status);
        Assert.Equal(201, (await scim.Users.CreateAsync(org, Fixture.UserBody("five@contoso.com"), None)).Status);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Raising_the_seat_limit_lets_users_in_again()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync(maxSeats: 1);
        await scim.CreateUserAsync(org, "one@contoso.com");
        Assert.Equal(403, (await scim.Users.CreateAsync(org, Fixture.UserBody("two@contoso.com"), None)).Status);

        await scim.Organizations.SetMaxSeatsAsync(org.OrganizationId, null, None);

        Assert.Equal(201, (await scim.Users.CreateAsync(org, Fixture.UserBody("two@contoso.com"), None)).Status);
        Assert.Null((await scim.Organizations.GetAsync(org.OrganizationId, None))!.MaxSeats);
    }

    [Fact]
    public async Task Unknown_organization_is_refused()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var ghost = new ScimRequestContext("org-does-not-exist", Fixture.BaseUrl);

        var result = await scim.Users.CreateAsync(ghost, Fixture.UserBody("a@b.c"), None);

        Assert.Equal(403, result.Status);
    }
}
