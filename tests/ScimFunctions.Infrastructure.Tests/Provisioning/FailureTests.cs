using Azure;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
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

    [Theory]
    [InlineData("user", 1)]
    [InlineData("user", 2)]
    [InlineData("group", 1)]
    [InlineData("group", 2)]
    public async Task A_delete_that_fails_never_strips_a_live_resource_and_a_repeated_delete_finishes_it(string kind, int failing)
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "member@contoso.com");
        // In more groups than a transaction can remove it from beside its own rows: the user's delete then removes
        // the group-side rows after its first transaction.
        const int Groups = 100;
        var others = new List<string>();
        for (var i = 0; i < Groups; i++)
        {
            others.Add(await scim.CreateUserAsync(org, $"other{i}@contoso.com"));
        }

        var groups = new List<string>();
        for (var i = 0; i < Groups; i++)
        {
            groups.Add((await scim.Groups.CreateAsync(org, Fixture.GroupBody($"G{i}", user, others[i]), None)).Body!["id"]!.GetValue<string>());
        }

        var big = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Big", [user, .. others]), None)).Body!["id"]!.GetValue<string>();
        Func<Task<ScimFunctions.Core.Protocol.ScimResult>> delete = kind == "user"
            ? () => scim.Users.DeleteAsync(org, user, null, None)
            : () => scim.Groups.DeleteAsync(org, big, null, None);

        // Transaction 1 removes the resource, 2 and later its membership pairs.
        var transactions = 0;
        counting.FailTransaction = _ => ++transactions == failing ? new RequestFailedException(500, "Injected") : null;
        await Assert.ThrowsAsync<StorageUnavailableException>(delete);
        counting.FailTransaction = null;

        // Either the resource is gone, or it is there with every one of its 101 memberships: never a live user or
        // group that lost some (the write that failed answered 503, so the client still counts on them).
        var stillThere = kind == "user"
            ? await scim.Users.GetAsync(org, user, new Projection(Attributes: "groups"), None)
            : await scim.Groups.GetAsync(org, big, Projection.Default, None);
        Assert.Equal(failing == 1 ? 200 : 404, stillThere.Status);
        if (stillThere.Status == 200)
        {
            Assert.Equal(Groups + 1, stillThere.Body![kind == "user" ? "groups" : "members"]!.AsArray().Count);
            await scim.AssertConsistentAsync(org);
        }

        Assert.Equal(204, (await delete()).Status);
        Assert.Equal(404, (await delete()).Status);
        await scim.AssertConsistentAsync(org);
        var remaining = await scim.Groups.GetAsync(org, groups[1], Projection.Default, None);
        Assert.Equal(kind == "user" ? [others[1]] : new[] { user, others[1] }.Order(StringComparer.Ordinal).ToArray(),
            remaining.Body!["members"]!.AsArray().Select(m => m!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray());
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
