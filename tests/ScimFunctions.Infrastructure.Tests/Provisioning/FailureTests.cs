using Azure;
using Azure.Data.Tables;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

/// <summary>Storage failures injected into the transaction of each kind of write leave the organization consistent.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FailureTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<string> Writes => ["create", "patch", "deactivate", "delete-user", "group-create", "group-members", "group-delete"];

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task A_failed_transaction_reports_unavailable_and_leaves_nothing_half_written(string write)
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync(maxSeats: 10);
        var user = await scim.CreateUserAsync(org, "bjensen@contoso.com", workEmail: "bjensen@contoso.com");
        var other = await scim.CreateUserAsync(org, "other@contoso.com");
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("G", user), None)).Body!["id"]!.GetValue<string>();
        var before = await SnapshotAsync(counting, org.OrganizationId);

        counting.FailTransaction = _ => new RequestFailedException(503, "Server busy (injected)");
        var attempt = write switch
        {
            "create" => () => scim.Users.CreateAsync(org, Fixture.UserBody("new@contoso.com", "ext-new"), None),
            "patch" => () => scim.Users.PatchAsync(org, user, Fixture.Patch("""{"op":"replace","path":"userName","value":"renamed@contoso.com"}"""), null, Projection.Default, None),
            "deactivate" => () => scim.Users.PatchAsync(org, user, Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None),
            "delete-user" => () => scim.Users.DeleteAsync(org, user, null, None),
            "group-create" => () => scim.Groups.CreateAsync(org, Fixture.GroupBody("H", user, other), None),
            "group-members" => () => scim.Groups.PatchAsync(org, group, Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{other}}"}]}"""), null, Projection.Default, None),
            _ => (Func<Task<ScimFunctions.Core.Protocol.ScimResult>>)(() => scim.Groups.DeleteAsync(org, group, null, None)),
        };

        await Assert.ThrowsAsync<StorageUnavailableException>(attempt);

        counting.FailTransaction = null;
        Assert.Equal(before, await SnapshotAsync(counting, org.OrganizationId));
        await scim.AssertConsistentAsync(org);
    }

    [Theory]
    [InlineData("patch", 412)]
    [InlineData("delete-user", 412)]
    [InlineData("group-members", 412)]
    [InlineData("group-create", 404)]
    [InlineData("patch", 503)]
    public async Task A_write_that_loses_every_race_or_whose_changeset_fails_is_unavailable_not_an_unexpected_error(string write, int status)
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "race@contoso.com");
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Racers"), None)).Body!["id"]!.GetValue<string>();

        // As Table Storage reports it: a transaction whose changeset failed (412/404: another writer won every time;
        // 503: ServerBusy inside a 202 batch response).
        counting.FailTransaction = actions => new TableTransactionFailedException(new RequestFailedException(status, "injected", status == 503 ? "ServerBusy" : "UpdateConditionNotSatisfied", null));
        var attempt = write switch
        {
            "patch" => () => scim.Users.PatchAsync(org, user, Fixture.Patch("""{"op":"replace","path":"title","value":"x"}"""), null, Projection.Default, None),
            "delete-user" => () => scim.Users.DeleteAsync(org, user, null, None),
            "group-members" => () => scim.Groups.PatchAsync(org, group, Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{user}}"}]}"""), null, Projection.Default, None),
            _ => (Func<Task<ScimFunctions.Core.Protocol.ScimResult>>)(() => scim.Groups.CreateAsync(org, Fixture.GroupBody("Other"), None)),
        };

        await Assert.ThrowsAsync<StorageUnavailableException>(attempt);

        counting.FailTransaction = null;
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_failure_after_the_first_membership_chunk_of_a_user_delete_keeps_the_invariants()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "member@contoso.com");
        for (var i = 0; i < 60; i++)
        {
            await scim.Groups.CreateAsync(org, Fixture.GroupBody($"G{i}", user), None);
        }

        var transactions = 0;
        counting.FailTransaction = _ => ++transactions == 2 ? new RequestFailedException(500, "Injected") : null;

        await Assert.ThrowsAsync<StorageUnavailableException>(() => scim.Users.DeleteAsync(org, user, null, None));
        await scim.AssertConsistentAsync(org);

        counting.FailTransaction = null;
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, user, null, None)).Status);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Storage_that_does_not_answer_is_unavailable_not_a_crash()
    {
        var dead = new TableClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
            "scim",
            new TableClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(2) } });
        var scim = await Task.FromResult(new Fixture.Unstarted(dead));

        await Assert.ThrowsAsync<StorageUnavailableException>(() => scim.Users.GetAsync(new ScimRequestContext("org-a", Fixture.BaseUrl), Guid.NewGuid().ToString(), Projection.Default, None));
    }

    private static async Task<string> SnapshotAsync(CountingTableClient client, string organization)
    {
        var rows = new List<string>();
        await foreach (var row in client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {organization}")))
        {
            rows.Add(row.RowKey + "=" + string.Join(",", row.Where(p => p.Key is not ("odata.etag" or "Timestamp")).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}")));
        }

        return string.Join('\n', rows);
    }
}
