using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Storage;

/// <summary>
/// Filter values never reach a query (index keys are hashes), but the keys of a range query do, and one of them comes
/// from the client: the cursor of a list request names the row key to resume after. The query must stay inside its
/// partition and key range whatever those strings contain.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueryInjectionTests(Azurite azurite)
{
    public static TheoryData<string> Hostile =>
    [
        "u:' or PartitionKey ne '",
        "u:') or (PartitionKey ne '",
        "u:' or RowKey ne '",
        "u:'' or true or ''",
    ];

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_resume_key_reads_nothing_outside_its_partition_and_range(string after)
    {
        var table = new ScimTable(azurite.ServiceClient().GetTableClient("scim"));
        await table.CreateIfNotExistsAsync(CancellationToken.None);
        var mine = "org-" + Guid.NewGuid().ToString("N")[..12];
        var theirs = "org-" + Guid.NewGuid().ToString("N")[..12];
        foreach (var (partition, key) in new[] { (mine, "u:1"), (mine, "v:outside"), (theirs, "u:2"), (theirs, "u:3") })
        {
            await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, key))], CancellationToken.None);
        }

        var rows = new List<TableEntity>();
        await foreach (var row in table.RangeAsync(mine, TableLayout.UserPrefix, TableLayout.PrefixEnd(TableLayout.UserPrefix), after: after))
        {
            rows.Add(row);
        }

        Assert.All(rows, r => Assert.Equal(mine, r.PartitionKey));
        Assert.All(rows, r => Assert.StartsWith(TableLayout.UserPrefix, r.RowKey, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_forged_cursor_lists_only_the_organizations_own_users(string after)
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var other = await scim.NewOrganizationAsync();
        await scim.CreateUserAsync(org, "mine@contoso.com");
        var theirs = await scim.CreateUserAsync(other, "theirs@fabrikam.com");
        var cursor = PagedRows.EncodeCursor(after);

        var result = await scim.Users.ListAsync(org, new ListRequest { Cursor = cursor, Count = 10 }, CancellationToken.None);

        Assert.True(result.Status is 200 or 400, result.Error?.Detail);
        Assert.DoesNotContain(theirs, result.Body?.ToJsonString() ?? string.Empty, StringComparison.Ordinal);
    }
}
