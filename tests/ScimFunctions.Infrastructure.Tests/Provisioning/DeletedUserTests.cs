using Azure;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

/// <summary>
/// Deleted users (docs/storage.md): a DELETE hides the user at once and frees its seat and unique values, a POST with
/// its userName and externalId restores it with its id and groups, and the purge removes it after the retention period.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeletedUserTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task An_idp_that_deletes_on_unassignment_gets_the_same_user_back_with_its_groups()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync(maxSeats: 1);
        var created = await scim.Users.CreateAsync(org, Fixture.UserBody("leaver@contoso.com", "leaver", workEmail: "leaver@contoso.com"), None);
        var id = created.Body!["id"]!.GetValue<string>();
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Engineering", id), None)).Body!["id"]!.GetValue<string>();

        await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None);
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, id, null, None)).Status);

        // Hidden everywhere, its seat and its userName free.
        Assert.Equal(404, (await scim.Users.GetAsync(org, id, Projection.Default, None)).Status);
        Assert.Equal(0, (await scim.ListUsersAsync(org, "userName eq \"leaver@contoso.com\""))["totalResults"]!.GetValue<long>());
        Assert.Equal(0, (await scim.ListUsersAsync(org, "externalId eq \"leaver\""))["totalResults"]!.GetValue<long>());
        Assert.Equal(0, (await scim.ListUsersAsync(org))["totalResults"]!.GetValue<long>());
        Assert.Null((await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]);
        await scim.AssertConsistentAsync(org);

        var back = await scim.Users.CreateAsync(org, Fixture.UserBody("Leaver@Contoso.com", "leaver", workEmail: "leaver@contoso.com"), None);

        Assert.Equal(201, back.Status);
        Assert.Equal("restored", back.Note);
        Assert.Equal(id, back.Body!["id"]!.GetValue<string>());
        Assert.Equal("Leaver@Contoso.com", back.Body["userName"]!.GetValue<string>());
        Assert.Equal([id], (await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]!.AsArray().Select(m => m!["value"]!.GetValue<string>()));
        Assert.Equal(1, (await scim.Organizations.GetAsync(org.OrganizationId, None))!.ActiveUsers);
        await scim.AssertConsistentAsync(org);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_restore_that_fails_leaves_the_deleted_user_whole_and_its_retry_gets_it_back_with_its_groups(int failing)
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var id = (await scim.Users.CreateAsync(org, Fixture.UserBody("mover@contoso.com", "mover"), None)).Body!["id"]!.GetValue<string>();
        var groups = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            groups.Add((await scim.Groups.CreateAsync(org, Fixture.GroupBody($"Crew {i}", id), None)).Body!["id"]!.GetValue<string>());
        }

        Assert.Equal(204, (await scim.Users.DeleteAsync(org, id, null, None)).Status);
        await scim.Groups.DeleteAsync(org, groups[2], null, None);

        // The restoring POST's first or second transaction fails (Entra then retries the POST).
        var transactions = 0;
        counting.FailTransaction = _ => ++transactions == failing ? new RequestFailedException(503, "Server busy (injected)") : null;
        ScimFunctions.Core.Protocol.ScimResult? first = null;
        try
        {
            first = await scim.Users.CreateAsync(org, Fixture.UserBody("mover@contoso.com", "mover"), None);
        }
        catch (StorageUnavailableException)
        {
        }

        counting.FailTransaction = null;
        var back = first ?? await scim.Users.CreateAsync(org, Fixture.UserBody("mover@contoso.com", "mover"), None);

        // The retry is not a 409 against a half-finished restore: one transaction restores the user with its groups.
        Assert.Equal(201, back.Status);
        Assert.Equal(id, back.Body!["id"]!.GetValue<string>());
        foreach (var group in groups.Take(2))
        {
            Assert.Equal([id], (await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]!.AsArray().Select(m => m!["value"]!.GetValue<string>()));
        }

        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_post_in_an_organization_with_deleted_users_reads_no_more_than_one_without()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        await scim.Users.CreateAsync(org, Fixture.UserBody("warm@contoso.com", "warm"), None);

        counting.Reset();
        Assert.Equal(201, (await scim.Users.CreateAsync(org, Fixture.UserBody("first@contoso.com", "first"), None)).Status);
        var before = counting.Reads + counting.Queries;

        var leaver = (await scim.Users.CreateAsync(org, Fixture.UserBody("leaver@contoso.com", "leaver"), None)).Body!["id"]!.GetValue<string>();
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, leaver, null, None)).Status);
        counting.Reset();
        Assert.Equal(201, (await scim.Users.CreateAsync(org, Fixture.UserBody("second@contoso.com", "second"), None)).Status);

        // The create's own insert of the match row says whether a deleted user may be restored: no lookup first.
        Assert.Equal(before, counting.Reads + counting.Queries);
        Assert.Equal(1, counting.Transactions);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_match_on_only_the_userName_or_only_the_externalId_is_a_new_user()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = (await scim.Users.CreateAsync(org, Fixture.UserBody("reused@contoso.com", "mailnick"), None)).Body!["id"]!.GetValue<string>();
        await scim.Users.DeleteAsync(org, id, null, None);

        var newHire = await scim.Users.CreateAsync(org, Fixture.UserBody("newhire@contoso.com", "mailnick"), None);
        var sameName = await scim.Users.CreateAsync(org, Fixture.UserBody("other@contoso.com", "x"), None);

        Assert.Equal(201, newHire.Status);
        Assert.NotEqual(id, newHire.Body!["id"]!.GetValue<string>());
        Assert.Null(newHire.Note);
        Assert.Equal(201, sameName.Status);
        Assert.Equal([id], (await scim.Users.ListDeletedAsync(org.OrganizationId, None)).Select(d => d.Id));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task With_restore_off_a_post_creates_a_new_user_and_admin_restore_brings_one_back_by_id()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        await scim.Organizations.SetRestoreAsync(org.OrganizationId, restore: false, None);
        var id = (await scim.Users.CreateAsync(org, Fixture.UserBody("kept@contoso.com", "kept"), None)).Body!["id"]!.GetValue<string>();
        await scim.Users.DeleteAsync(org, id, null, None);

        var fresh = await scim.Users.CreateAsync(org, Fixture.UserBody("kept@contoso.com", "kept"), None);
        Assert.NotEqual(id, fresh.Body!["id"]!.GetValue<string>());
        await scim.Users.DeleteAsync(org, fresh.Body["id"]!.GetValue<string>(), null, None);

        var restored = await scim.Users.RestoreAsync(org, id, None);

        Assert.Equal(201, restored.Status);
        Assert.Equal(id, restored.Body!["id"]!.GetValue<string>());
        Assert.Equal(404, (await scim.Users.RestoreAsync(org, Guid.NewGuid().ToString(), None)).Status);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_repeated_delete_is_404_and_the_purge_removes_what_the_retention_period_kept()
    {
        var time = new MovableTime();
        var scim = await Fixture.CreateAsync(azurite, time: time);
        var org = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(org, "gone@contoso.com");
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("G", id), None)).Body!["id"]!.GetValue<string>();
        await scim.Users.DeleteAsync(org, id, null, None);

        Assert.Equal(404, (await scim.Users.DeleteAsync(org, id, null, None)).Status);
        Assert.Equal(0, await scim.Users.PurgeExpiredAsync(org.OrganizationId, 100, None));
        time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(1, await scim.Users.PurgeExpiredAsync(org.OrganizationId, 100, None));

        Assert.Empty(await scim.Users.ListDeletedAsync(org.OrganizationId, None));
        var restoreAfterPurge = await scim.Users.CreateAsync(org, Fixture.UserBody("gone@contoso.com"), None);
        Assert.NotEqual(id, restoreAfterPurge.Body!["id"]!.GetValue<string>());
        Assert.Null((await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_deactivation_only_keeps_the_user_and_its_groups_throughout()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = (await scim.Users.CreateAsync(org, Fixture.UserBody("stays@contoso.com", "stays"), None)).Body!["id"]!.GetValue<string>();
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("G", id), None)).Body!["id"]!.GetValue<string>();

        await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"Replace","path":"active","value":"False"}"""), null, Projection.Default, None);
        var found = await scim.ListUsersAsync(org, "userName eq \"stays@contoso.com\"");
        await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"Replace","path":"active","value":"True"}"""), null, Projection.Default, None);

        Assert.Equal(id, Fixture.Ids(found).Single());
        Assert.True((await scim.Users.GetAsync(org, id, Projection.Default, None)).Body!["active"]!.GetValue<bool>());
        Assert.Equal(group, (await scim.Users.GetAsync(org, id, new Projection("groups"), None)).Body!["groups"]![0]!["value"]!.GetValue<string>());
    }
}
