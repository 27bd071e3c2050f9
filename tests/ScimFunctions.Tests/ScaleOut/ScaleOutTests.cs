using System.Text.Json.Nodes;
using ScimFunctions.Admin;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.ScaleOut;

/// <summary>
/// Three instances on one table behind a round-robin front: every request, page and half of a race is served by
/// another instance than the one before. The invariant checker runs after each test.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests(ScaleOutRig rig)
{
    [Fact]
    public async Task An_import_after_users_were_added_and_removed_through_other_instances_returns_every_user_once()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        var created = new List<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 240), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var id = await CreateUserAsync(token, $"user{i:D3}@contoso.com");
            lock (created)
            {
                created.Add(id);
            }
        });

        // A first import leaves page boundaries in every instance's memory.
        Assert.Equal(240, (await ImportAsync(token)).Count);

        foreach (var id in created.Order(StringComparer.Ordinal).Where((_, i) => i % 12 == 0).ToList())
        {
            Assert.Equal(204, (await rig.SendAsync(HttpMethod.Delete, $"/Users/{id}", token)).Status);
            created.Remove(id);
        }

        for (var i = 0; i < 33; i++)
        {
            created.Add(await CreateUserAsync(token, $"late{i:D2}@contoso.com"));
        }

        var imported = await ImportAsync(token, expectedTotal: created.Count);

        Assert.Equal(created.Order(StringComparer.Ordinal), imported);
        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_cursor_import_returns_every_user_that_existed_throughout_exactly_once_while_others_come_and_go()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        var throughout = new List<string>();
        for (var i = 0; i < 120; i++)
        {
            throughout.Add(await CreateUserAsync(token, $"stay{i:D3}@contoso.com"));
        }

        var seen = new List<string>();
        var transient = new List<string>();
        var cursor = string.Empty;
        var pages = 0;
        while (cursor is not null)
        {
            var page = await rig.SendAsync(HttpMethod.Get, $"/Users?count=25&cursor={Uri.EscapeDataString(cursor)}", token);
            Assert.Equal(200, page.Status);
            seen.AddRange(Ids(page));
            cursor = page.Body!["nextCursor"]?.GetValue<string>();

            // Between pages, other instances create users and delete some of those again.
            transient.Add(await CreateUserAsync(token, $"come{pages}a@contoso.com"));
            transient.Add(await CreateUserAsync(token, $"come{pages}b@contoso.com"));
            Assert.Equal(204, (await rig.SendAsync(HttpMethod.Delete, $"/Users/{transient[^2]}", token)).Status);
            pages++;
        }

        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.All(throughout, id => Assert.Single(seen, s => s == id));
        Assert.True(pages >= 5);
        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Twenty_parallel_posts_of_one_userName_give_exactly_one_201()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            rig.SendAsync(HttpMethod.Post, "/Users", token, User("same@contoso.com"))));

        Assert.Single(statuses, s => s.Status == 201);
        Assert.All(statuses.Where(s => s.Status != 201), s => Assert.Equal((409, "uniqueness"), (s.Status, s.ScimType)));
        Assert.Equal(1, (await rig.SendAsync(HttpMethod.Get, "/Users", token)).TotalResults);
        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Twenty_parallel_creates_at_ten_seats_give_exactly_ten_active_users()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync(maxSeats: 10);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            rig.SendAsync(HttpMethod.Post, "/Users", token, User($"seat{i}@contoso.com"))));

        Assert.Equal(10, statuses.Count(s => s.Status == 201));
        Assert.Equal(10, statuses.Count(s => s.Status == 403));
        Assert.Equal(10, (await rig.Organizations.GetAsync(org, CancellationToken.None))!.ActiveUsers);
        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Fifty_parallel_member_adds_to_one_group_all_land()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        var users = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            users.Add(await CreateUserAsync(token, $"member{i}@contoso.com"));
        }

        var group = await rig.SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject { ["displayName"] = "Everyone" });
        var adds = await Task.WhenAll(users.Select(id => rig.SendAsync(HttpMethod.Patch, $"/Groups/{group.Id}", token, JsonNode.Parse($$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"{{id}}"}]}]}
            """))));

        Assert.All(adds, a => Assert.Equal(204, a.Status));
        var members = (await rig.SendAsync(HttpMethod.Get, $"/Groups/{group.Id}", token)).Body!["members"]!.AsArray();
        Assert.Equal(users.Order(StringComparer.Ordinal), members.Select(m => m!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Deletes_racing_member_adds_across_instances_leave_no_membership_of_a_deleted_user()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        var users = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            users.Add(await CreateUserAsync(token, $"racer{i}@contoso.com"));
        }

        var group = await rig.SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject { ["displayName"] = "Racing" });
        var all = await Task.WhenAll(users.SelectMany(id => new[]
        {
            rig.SendAsync(HttpMethod.Patch, $"/Groups/{group.Id}", token, JsonNode.Parse($$"""
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"{{id}}"}]}]}
                """)),
            rig.SendAsync(HttpMethod.Delete, $"/Users/{id}", token),
        }));

        Assert.All(all, r => Assert.True(r.Status is 204 or 400, $"{r.Status}"));
        Assert.Null((await rig.SendAsync(HttpMethod.Get, $"/Groups/{group.Id}", token)).Body!["members"]);
        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_group_push_its_client_gave_up_on_and_retried_through_other_instances_ends_with_exactly_its_members()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        var users = new List<string>();
        foreach (var chunk in Enumerable.Range(0, 500).Chunk(20))
        {
            users.AddRange(await Task.WhenAll(chunk.Select(i => CreateUserAsync(token, $"pushed{i}@contoso.com"))));
        }

        var body = new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:Group"),
            ["displayName"] = "Pushed",
            ["members"] = new JsonArray([.. users.Select(id => (JsonNode)new JsonObject { ["value"] = id })]),
        };

        // A client that gives up after 300 ms and retries (Okta's push retried on a timeout), until it gets an answer.
        ScimResponse? answer = null;
        for (var attempt = 0; attempt < 20 && answer?.Status is not (201 or 409); attempt++)
        {
            using var cancel = new CancellationTokenSource(attempt == 0 ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(60));
            try
            {
                answer = await rig.SendAsync(new HttpRequestMessage(HttpMethod.Post, rig.BaseUrl + "/Groups")
                {
                    Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/scim+json"),
                    Headers = { Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token) },
                }, cancel.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        // 201 when the retry found the first attempt's change unfinished (it finishes it); 409 when the first attempt
        // had finished meanwhile (then the retry is a duplicate). Either way the group has exactly its members.
        Assert.True(answer!.Status is 201 or 409, $"{answer.Status}");
        var id = answer.Status == 201
            ? answer.Body!["id"]!.GetValue<string>()
            : (await rig.SendAsync(HttpMethod.Get, "/Groups?filter=" + Uri.EscapeDataString("displayName eq \"Pushed\""), token)).Body!["Resources"]![0]!["id"]!.GetValue<string>();
        var members = (await rig.SendAsync(HttpMethod.Get, $"/Groups/{id}", token)).Body!["members"]!.AsArray();
        Assert.Equal(users.Order(StringComparer.Ordinal), members.Select(m => m!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_token_revoked_with_the_admin_cli_is_refused_by_every_instance_within_the_cache_time()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        for (var i = 0; i < rig.InstanceCount * 2; i++)
        {
            Assert.Equal(200, (await rig.SendAsync(HttpMethod.Get, "/Users", token)).Status);
        }

        using var store = new FileTokenStore(rig.TokenFile);
        var tokenId = (await store.FindAsync(ScimToken.Hash(token), CancellationToken.None))!.TokenId;
        using var output = new StringWriter();
        var exit = await new AdminCli(output, TextWriter.Null, TimeProvider.System)
            .RunAsync(["token", "revoke", org, tokenId, "--yes"], _ => new AdminTarget(rig.Table, store, "scale-out rig"), CancellationToken.None);
        Assert.Equal(ExitCodes.Ok, exit);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var after = new List<int>();
        for (var i = 0; i < rig.InstanceCount * 2; i++)
        {
            after.Add((await rig.SendAsync(HttpMethod.Get, "/Users", token)).Status);
        }

        Assert.All(after, status => Assert.Equal(401, status));
    }

    private async Task<List<string>> ImportAsync(string token, int? expectedTotal = null)
    {
        var ids = new List<string>();
        for (var start = 1; ; start += 100)
        {
            var page = await rig.SendAsync(HttpMethod.Get, $"/Users?startIndex={start}&count=100", token);
            Assert.Equal(200, page.Status);
            if (expectedTotal is { } total)
            {
                Assert.Equal(total, page.TotalResults);
            }

            ids.AddRange(Ids(page));
            if (start + 100 > page.TotalResults)
            {
                return ids;
            }
        }
    }

    private async Task<string> CreateUserAsync(string token, string userName)
    {
        var response = await rig.SendAsync(HttpMethod.Post, "/Users", token, User(userName));
        Assert.True(response.Status == 201, $"{response.Status} {response.Detail}");
        return response.Id;
    }

    private static JsonObject User(string userName) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
        ["userName"] = userName,
        ["active"] = true,
    };

    private static string[] Ids(ScimResponse list) => [.. list.Body!["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>())];
}
