using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Migrations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;
using ScimFunctions.Infrastructure.Storage.Users;

namespace ScimFunctions.Infrastructure.Tests.Migrations;

/// <summary>
/// Rows in layout 1, exactly as the code before this change wrote them (a user row without <c>Layout</c> and one
/// unique <c>x:{hash}</c> index row per externalId), stay readable and writable, and <c>org migrate</c> moves them to
/// layout 2 idempotently.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OrganizationMigrationTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Layout_1_users_are_found_by_externalId_and_a_write_moves_them_to_layout_2()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = await CreateLayout1UserAsync(scim, org, "legacy@contoso.com", "legacy-ext");
        await scim.AssertConsistentAsync(org);

        Assert.Equal([id], Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"legacy-ext\"")));
        var second = await scim.Users.CreateAsync(org, Fixture.UserBody("new@contoso.com", "legacy-ext"), None);
        Assert.Equal(201, second.Status);
        Assert.Equal(2, Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"legacy-ext\"")).Length);

        Assert.Equal(200, (await scim.Users.PatchAsync(org, id, Fixture.Patch("""{"op":"replace","path":"title","value":"Moved"}"""), null, Projection.Default, None)).Status);

        var row = await scim.Table.GetAsync(org.OrganizationId, TableLayout.User(id), None);
        Assert.Equal(UserRows.CurrentLayout, UserRows.LayoutOf(row!));
        Assert.Null(await scim.Table.GetAsync(org.OrganizationId, TableLayout.LegacyUserExternalIdIndex("legacy-ext"), None));
        Assert.Equal(2, Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"legacy-ext\"")).Length);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Migration_moves_every_layout_1_user_and_a_second_run_changes_nothing()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var legacy = await CreateLayout1UserAsync(scim, org, "one@contoso.com", "ext-1");
        await CreateLayout1UserAsync(scim, org, "two@contoso.com", externalId: null);
        await scim.CreateUserAsync(org, "current@contoso.com");

        var first = await OrganizationMigration.MigrateAsync(scim.Table, org.OrganizationId, cancellationToken: None);
        var second = await OrganizationMigration.MigrateAsync(scim.Table, org.OrganizationId, cancellationToken: None);

        Assert.Equal(new MigrationReport(org.OrganizationId, 2, 1), first);
        Assert.Equal(new MigrationReport(org.OrganizationId, 0, 3), second);
        Assert.Null(await scim.Table.GetAsync(org.OrganizationId, TableLayout.LegacyUserExternalIdIndex("ext-1"), None));
        Assert.NotNull(await scim.Table.GetAsync(org.OrganizationId, TableLayout.UserExternalIdIndex("ext-1", legacy), None));
        Assert.Equal([legacy], Fixture.Ids(await scim.ListUsersAsync(org, "externalId eq \"ext-1\"")));
        var user = await scim.Users.GetAsync(org, legacy, Projection.Default, None);
        Assert.Equal("W/\"1\"", user.ETag.ToString());
        await scim.AssertConsistentAsync(org);
    }

    /// <summary>A user as layout-1 code wrote it: the same row without <c>Layout</c>, and the index row <c>x:{hash}</c>.</summary>
    private static async Task<string> CreateLayout1UserAsync(Fixture scim, ScimRequestContext org, string userName, string? externalId)
    {
        var created = await scim.Users.CreateAsync(org, Fixture.UserBody(userName, externalId), None);
        var id = created.Body!["id"]!.GetValue<string>();
        var row = (await scim.Table.GetAsync(org.OrganizationId, TableLayout.User(id), None))!;
        row.Remove("Layout");
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, row.ETag) };
        if (externalId is not null)
        {
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(org.OrganizationId, TableLayout.UserExternalIdIndex(externalId, id)), Azure.ETag.All));
            actions.Add(new(TableTransactionActionType.Add, new TableEntity(org.OrganizationId, TableLayout.LegacyUserExternalIdIndex(externalId)) { ["UserId"] = id }));
        }

        await scim.Table.SubmitAsync(actions, None);
        Assert.Equal(1, UserRows.LayoutOf((await scim.Table.GetAsync(org.OrganizationId, TableLayout.User(id), None))!));
        return id;
    }
}
