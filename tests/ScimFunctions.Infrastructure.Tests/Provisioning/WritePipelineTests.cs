using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Diagnostics;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

/// <summary>
/// The write pipeline (docs/storage.md): counters that do not serialise an organization's writes, membership pairs that
/// need their user, membership changes of any size that finish or leave a durable record of what remains.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WritePipelineTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Creates_and_deletes_leave_the_organization_row_untouched_and_totals_exact()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        // The organization's first deleted user marks its row once (a POST then looks for users to restore).
        await scim.Users.DeleteAsync(org, await scim.CreateUserAsync(org, "first@contoso.com"), null, None);
        var before = await scim.Table.GetAsync(org.OrganizationId, TableLayout.OrganizationRow, None);

        var ids = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => scim.CreateUserAsync(org, $"u{i}@contoso.com", active: i % 4 != 0)));
        await Task.WhenAll(ids.Take(10).Select(id => scim.Users.DeleteAsync(org, id, null, None)));
        await scim.Groups.CreateAsync(org, Fixture.GroupBody("G"), None);

        var after = await scim.Table.GetAsync(org.OrganizationId, TableLayout.OrganizationRow, None);
        Assert.Equal(before!.ETag, after!.ETag);
        var organization = (await scim.Organizations.GetAsync(org.OrganizationId, None))!;
        Assert.Equal((30L, 30L - ids.Skip(10).Select((_, i) => i + 10).Count(i => i % 4 == 0), 1L), (organization.Users, organization.ActiveUsers, organization.Groups));
        Assert.Equal(30, (await scim.ListUsersAsync(org))["totalResults"]!.GetValue<long>());
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Totals_written_by_the_previous_version_on_the_organization_row_still_count()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        // What the previous version wrote: the user, its index rows and the counters on the organization row.
        var legacyId = await scim.CreateUserAsync(org, "legacy@contoso.com");
        var shards = new List<TableTransactionAction>();
        await foreach (var shard in scim.Table.RangeAsync(org.OrganizationId, TableLayout.CounterShardPrefix, TableLayout.PrefixEnd(TableLayout.CounterShardPrefix)))
        {
            shards.Add(new TableTransactionAction(TableTransactionActionType.Delete, shard, ETag.All));
        }

        await scim.Table.SubmitAsync(shards, None);
        await scim.Table.SubmitAsync(
            [new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(org.OrganizationId, TableLayout.OrganizationRow) { ["Users"] = 1L, ["ActiveUsers"] = 1L }, ETag.All)],
            None);

        await scim.CreateUserAsync(org, "new@contoso.com");
        await scim.Users.PatchAsync(org, legacyId, Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None);

        var organization = (await scim.Organizations.GetAsync(org.OrganizationId, None))!;
        Assert.Equal((2L, 1L), (organization.Users, organization.ActiveUsers));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Seats_are_never_over_allocated_by_activations_on_three_instances()
    {
        var instances = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Fixture.CreateAsync(azurite)));
        var org = await instances[0].NewOrganizationAsync(maxSeats: 10);
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(await instances[0].CreateUserAsync(org, $"u{i}@contoso.com", active: false));
        }

        var results = await Task.WhenAll(ids.Select((id, i) => instances[i % 3].Users.PatchAsync(
            org, id, Fixture.Patch("""{"op":"replace","path":"active","value":true}"""), null, Projection.Default, None)));

        Assert.Equal(10, results.Count(r => r.Status == 200));
        Assert.Equal(20, results.Count(r => r.Status == 403));
        Assert.Equal(10, (await instances[0].Organizations.GetAsync(org.OrganizationId, None))!.ActiveUsers);
        await instances[0].AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Members_added_while_their_users_are_deleted_leave_no_pairs_of_deleted_users()
    {
        // The adding instance is slow between reading a user and committing its pair (50 ms), so that each delete
        // commits, and lists the user's memberships, inside that window: the race an IdP's parallel requests hit.
        var slow = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"))
        {
            FailTransaction = actions =>
            {
                if (actions.Any(a => a.Entity.RowKey.StartsWith(TableLayout.MemberPrefix, StringComparison.Ordinal)))
                {
                    Thread.Sleep(50);
                }

                return null;
            },
        };
        var adding = await Fixture.CreateAsync(azurite, slow);
        var deleting = await Fixture.CreateAsync(azurite);
        var org = await deleting.NewOrganizationAsync();
        var group = (await deleting.Groups.CreateAsync(org, Fixture.GroupBody("Racing"), None)).Body!["id"]!.GetValue<string>();
        var users = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            users.Add(await deleting.CreateUserAsync(org, $"u{i}@contoso.com"));
        }

        var all = await Task.WhenAll(users.Select(async user =>
        {
            var add = adding.Groups.PatchAsync(org, group, Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{user}}"}]}"""), null, Projection.Default, None);
            await Task.Delay(20);
            var delete = deleting.Users.DeleteAsync(org, user, null, None);
            return await Task.WhenAll(add, delete);
        }));

        Assert.All(all.SelectMany(r => r), r => Assert.True(r.Status is 204 or 400, $"{r.Status} {r.Error?.Detail}"));
        var members = (await deleting.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]?.AsArray() ?? [];
        Assert.Empty(members);
        await deleting.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_user_delete_takes_its_groups_along_in_its_own_transaction_and_a_vanished_group_row_does_not_block_it()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var (user, other) = (await scim.CreateUserAsync(org, "leaver@contoso.com"), await scim.CreateUserAsync(org, "stayer@contoso.com"));
        var groups = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            groups.Add((await scim.Groups.CreateAsync(org, Fixture.GroupBody($"Team {i}", user, other), None)).Body!["id"]!.GetValue<string>());
        }

        counting.Reset();
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, user, null, None)).Status);

        // One transaction: the user, its index rows, its deleted-user rows, its counter, its event and the group sides.
        Assert.Equal(1, counting.Transactions);
        foreach (var group in groups)
        {
            Assert.Equal([other], await MembersAsync(scim, org, group));
        }

        await scim.AssertConsistentAsync(org);

        // A group-side row that went between the read and the transaction (a concurrent member removal) fails that
        // transaction; the delete then reads again and removes the group sides after it.
        var second = await scim.CreateUserAsync(org, "second@contoso.com");
        await scim.Groups.PatchAsync(org, groups[0], Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{second}}"}]}"""), null, Projection.Default, None);
        await scim.Groups.PatchAsync(org, groups[1], Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{second}}"}]}"""), null, Projection.Default, None);
        var first = true;
        counting.FailTransaction = actions =>
        {
            if (first && actions.Any(a => a.Entity.RowKey == TableLayout.Member(groups[0], second)))
            {
                first = false;
                scim.Table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(org.OrganizationId, TableLayout.Member(groups[0], second)), ETag.All)], None)
                    .GetAwaiter().GetResult();
            }

            return null;
        };
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, second, null, None)).Status);
        counting.FailTransaction = null;
        Assert.Equal([other], await MembersAsync(scim, org, groups[1]));
        var problems = await OrganizationInvariantChecker.CheckAsync(scim.Table, org.OrganizationId);
        // The removal injected here took the group side of one pair only; the deleted user's side is kept for a restore.
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_group_create_failing_half_way_is_finished_by_its_retry_with_the_same_id()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var users = await CreateUsersAsync(scim, org, 300);
        var body = Fixture.GroupBody("Everyone", [.. users]);

        var transactions = 0;
        counting.FailTransaction = _ => Interlocked.Increment(ref transactions) == 4 ? new RequestFailedException(503, "Server busy (injected)") : null;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scim.Groups.CreateAsync(org, body, None));
        counting.FailTransaction = null;
        var problems = await OrganizationInvariantChecker.CheckAsync(scim.Table, org.OrganizationId);
        Assert.Contains(problems, p => p.Contains("a membership change is unfinished", StringComparison.Ordinal));

        var retried = await scim.Groups.CreateAsync(org, Fixture.GroupBody("Everyone", [.. users]), None);

        Assert.Equal(201, retried.Status);
        var id = retried.Body!["id"]!.GetValue<string>();
        Assert.Equal(users.Order(StringComparer.Ordinal), (await MembersAsync(scim, org, id)).Order(StringComparer.Ordinal));
        Assert.Equal(1, (await scim.Organizations.GetAsync(org.OrganizationId, None))!.Groups);
        await scim.AssertConsistentAsync(org);

        // A different group of the same name is still a conflict, and so is the same POST once its group is complete:
        // that is a duplicate (RFC 7644 §3.3; Microsoft's validator posts one and expects 409).
        Assert.Equal(409, (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Everyone", users[0]), None)).Status);
        Assert.Equal(409, (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Everyone", [.. users]), None)).Status);
    }

    [Fact]
    public async Task A_push_of_5000_members_whose_instance_died_half_way_ends_with_exactly_its_members_when_retried_elsewhere()
    {
        var dying = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var first = await Fixture.CreateAsync(azurite, dying);
        var org = await first.NewOrganizationAsync();
        var users = await CreateUsersAsync(first, org, 5_000);

        // The instance serving Okta's push dies half-way: from its 80th transaction on (of about 150), nothing it sends
        // reaches storage any more.
        var transactions = 0;
        dying.FailTransaction = _ => Interlocked.Increment(ref transactions) >= 80 ? new RequestFailedException(503, "Instance gone (injected)") : null;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => first.Groups.CreateAsync(org, Fixture.GroupBody("Everyone", [.. users]), None));
        var problems = await OrganizationInvariantChecker.CheckAsync(first.Table, org.OrganizationId);
        Assert.Contains(problems, p => p.Contains("a membership change is unfinished", StringComparison.Ordinal));

        // Okta retries; another instance answers.
        var other = await Fixture.CreateAsync(azurite);
        var retried = await other.Groups.CreateAsync(org, Fixture.GroupBody("Everyone", [.. users]), None);

        Assert.Equal(201, retried.Status);
        var id = retried.Body!["id"]!.GetValue<string>();
        var members = await MembersAsync(other, org, id);
        Assert.Equal(5_000, members.Count);
        Assert.Equal(users.Order(StringComparer.Ordinal), members.Order(StringComparer.Ordinal));
        Assert.Equal(1, (await other.Organizations.GetAsync(org.OrganizationId, None))!.Groups);
        await other.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task An_unfinished_membership_change_is_finished_by_the_next_write_to_the_group()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var users = await CreateUsersAsync(scim, org, 201);
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Engineering"), None)).Body!["id"]!.GetValue<string>();
        var add = Fixture.Patch($$"""{"op":"add","path":"members","value":[{{string.Join(",", users.Take(200).Select(u => $$"""{"value":"{{u}}"}"""))}}]}""");

        var transactions = 0;
        counting.FailTransaction = _ => Interlocked.Increment(ref transactions) == 3 ? new RequestFailedException(503, "Server busy (injected)") : null;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scim.Groups.PatchAsync(org, group, add, null, Projection.Default, None));
        counting.FailTransaction = null;
        var partial = (await MembersAsync(scim, org, group)).Count;
        Assert.InRange(partial, 1, 199);

        var next = await scim.Groups.PatchAsync(org, group, Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{users[200]}}"}]}"""), null, Projection.Default, None);

        Assert.Equal(204, next.Status);
        Assert.Equal(201, (await MembersAsync(scim, org, group)).Count);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Repair_finishes_an_unfinished_change_and_a_deleted_group_takes_its_intent_along()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var scim = await Fixture.CreateAsync(azurite, counting);
        var org = await scim.NewOrganizationAsync();
        var users = await CreateUsersAsync(scim, org, 150);
        var transactions = 0;
        counting.FailTransaction = _ => Interlocked.Increment(ref transactions) % 3 == 0 ? new RequestFailedException(503, "Server busy (injected)") : null;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scim.Groups.CreateAsync(org, Fixture.GroupBody("Repaired", [.. users]), None));
        transactions = 0;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scim.Groups.CreateAsync(org, Fixture.GroupBody("Deleted", [.. users]), None));
        counting.FailTransaction = null;

        var deleted = (await scim.Groups.ListAsync(org, new ListRequest { Filter = "displayName eq \"Deleted\"" }, None)).Body!["Resources"]![0]!["id"]!.GetValue<string>();
        Assert.Equal(204, (await scim.Groups.DeleteAsync(org, deleted, null, None)).Status);
        var repaired = await OrganizationInvariantChecker.RunAsync(scim.Table, org.OrganizationId, repair: true, 20, TimeProvider.System, None);

        Assert.Contains(repaired.Repairs, r => r.Contains("finished its unfinished membership change", StringComparison.Ordinal));
        var group = (await scim.Groups.ListAsync(org, new ListRequest { Filter = "displayName eq \"Repaired\"" }, None)).Body!["Resources"]![0]!["id"]!.GetValue<string>();
        Assert.Equal(150, (await MembersAsync(scim, org, group)).Count);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Repair_removes_orphans_restores_half_pairs_and_corrects_totals()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var organization = org.OrganizationId;
        var user = await scim.CreateUserAsync(org, "kept@contoso.com");
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("G", user), None)).Body!["id"]!.GetValue<string>();
        var ghost = Guid.NewGuid().ToString();
        await scim.Table.SubmitAsync(
            [
                // A pair of a user that does not exist, a stray index row, a missing half of a real pair, a counter off by 3.
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(organization, TableLayout.Member(group, ghost))),
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(organization, TableLayout.Membership(ghost, group))),
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(organization, TableLayout.UserNameIndex("gone@contoso.com")) { ["UserId"] = ghost }),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Membership(user, group)), ETag.All),
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(organization, TableLayout.OrganizationRow) { ["Users"] = 3L }, ETag.All),
            ],
            None);
        var before = await OrganizationInvariantChecker.CheckAsync(scim.Table, organization);
        Assert.Equal(5, before.Count);

        var repair = await OrganizationInvariantChecker.RunAsync(scim.Table, organization, repair: true, 20, TimeProvider.System, None);
        var again = await OrganizationInvariantChecker.RunAsync(scim.Table, organization, repair: true, 20, TimeProvider.System, None);

        Assert.Equal(5, repair.Repairs.Count);
        Assert.Empty(again.Problems);
        Assert.Empty(again.Repairs);
        Assert.Equal(1, (await scim.Organizations.GetAsync(organization, None))!.Users);
        Assert.Equal([user], await MembersAsync(scim, org, group));
        Assert.Equal(group, (await scim.Users.GetAsync(org, user, new Projection("groups"), None)).Body!["groups"]![0]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Adding_a_present_member_changes_nothing_as_the_core_semantics_say()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "present@contoso.com");
        var created = await scim.Groups.CreateAsync(org, Fixture.GroupBody("G", user), None);
        var id = created.Body!["id"]!.GetValue<string>();

        var again = await scim.Groups.PatchAsync(org, id, Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{user}}","display":"Another name"}]}"""), null, Projection.Default, None);

        Assert.Equal(204, again.Status);
        Assert.Equal(created.ETag, again.ETag);
        var member = (await scim.Groups.GetAsync(org, id, Projection.Default, None)).Body!["members"]![0]!;
        Assert.NotEqual("Another name", member["display"]?.GetValue<string>());
    }

    [Fact]
    public async Task The_admin_composition_validates_configured_extension_schemas()
    {
        var extension = new ExtensionSchemaOptions { Id = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User", Name = "Contoso" };
        extension.Attributes.Add(new AttributeOptions { Name = "costCenter", Type = "integer" });
        var registry = ScimSchemaRegistry.Create([extension]);
        var table = new ScimTable(azurite.ServiceClient().GetTableClient("scim"));
        var services = new ProvisioningServices(table, registry, new ProvisioningOptions(), TimeProvider.System, NullLoggerFactory.Instance);
        var org = "org-" + Guid.NewGuid().ToString("N")[..12];
        await services.Organizations.CreateAsync(org, org, null, None);
        var body = Fixture.UserBody("ext@contoso.com");
        body["schemas"]!.AsArray().Add(extension.Id);
        body[extension.Id] = new System.Text.Json.Nodes.JsonObject { ["costCenter"] = "not a number" };

        var result = await services.Users.CreateAsync(new ScimRequestContext(org, Fixture.BaseUrl), body, None);

        Assert.Equal(400, result.Status);
    }

    [Fact]
    public async Task A_delete_or_deactivation_without_a_seat_limit_reads_no_organization_row_while_one_read_is_recent()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var time = new MovableTime();
        var scim = await Fixture.CreateAsync(azurite, counting, time);
        var org = await scim.NewOrganizationAsync();
        // The organization's first deleted user marks its row; the POSTs after it read the row (their settings).
        await scim.Users.DeleteAsync(org, await scim.CreateUserAsync(org, "first@contoso.com"), null, None);
        var leaver = await scim.CreateUserAsync(org, "leaver@contoso.com");
        var mover = await scim.CreateUserAsync(org, "mover@contoso.com");
        var late = await scim.CreateUserAsync(org, "late@contoso.com");

        counting.Reset();
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, leaver, null, None)).Status);
        Assert.Equal(200, (await scim.Users.PatchAsync(org, mover, Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None)).Status);
        Assert.DoesNotContain(TableLayout.OrganizationRow, counting.ReadKeys);

        // What the row said is used for a minute at most.
        time.Advance(OrganizationCounters.SettingsLifetime + TimeSpan.FromSeconds(1));
        counting.Reset();
        Assert.Equal(204, (await scim.Users.DeleteAsync(org, late, null, None)).Status);
        Assert.Contains(TableLayout.OrganizationRow, counting.ReadKeys);

        var organization = (await scim.Organizations.GetAsync(org.OrganizationId, None))!;
        Assert.Equal((1L, 0L), (organization.Users, organization.ActiveUsers));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_seat_limit_set_after_the_row_was_read_still_holds_for_the_next_activation()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var users = await CreateUsersAsync(scim, org, 3);
        Assert.NotNull(await scim.Organizations.SetMaxSeatsAsync(org.OrganizationId, 3, None));

        // This instance read the row before the limit: the deactivation's delta goes to a shard, which frees the seat all the same.
        Assert.Equal(200, (await scim.Users.PatchAsync(org, users[0], Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None)).Status);
        Assert.Equal(201, (await scim.Users.CreateAsync(org, Fixture.UserBody("fourth@contoso.com"), None)).Status);
        var refused = await scim.Users.CreateAsync(org, Fixture.UserBody("fifth@contoso.com"), None);

        Assert.Equal(403, refused.Status);
        var organization = (await scim.Organizations.GetAsync(org.OrganizationId, None))!;
        Assert.Equal((4L, 3L), (organization.Users, organization.ActiveUsers));
        await scim.AssertConsistentAsync(org);
    }

    private static async Task<List<string>> CreateUsersAsync(Fixture scim, ScimRequestContext org, int count)
    {
        var users = new List<string>();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(16))
        {
            users.AddRange(await Task.WhenAll(chunk.Select(i => scim.CreateUserAsync(org, $"member{i}@contoso.com"))));
        }

        return users;
    }

    private static async Task<List<string>> MembersAsync(Fixture scim, ScimRequestContext org, string id)
    {
        var group = await scim.Groups.GetAsync(org, id, Projection.Default, None);
        return group.Body!["members"]?.AsArray().Select(m => m!["value"]!.GetValue<string>()).ToList() ?? [];
    }
}
