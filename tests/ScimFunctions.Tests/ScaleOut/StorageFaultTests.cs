using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ScimFunctions.Testing;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.ScaleOut;

/// <summary>
/// A provisioning run through three instances while Table Storage throttles as Azure does (whole 503 ServerBusy and 500
/// OperationTimedOut responses, and 503s inside the changeset of 202 batch responses): no client sees a 500, every
/// failure is a SCIM 503 with Retry-After, and nothing that was acknowledged is lost.
/// </summary>
[Collection(FaultyScaleOutCollection.Name)]
public sealed class StorageFaultTests(FaultyScaleOutRig rig)
{
    private static readonly StorageFaults Throttling = new() { ServerBusy = 0.1, OperationTimedOut = 0.05, ChangesetServerBusy = 0.15, Reset = 0.02 };

    [Fact]
    public async Task Storage_slower_than_the_request_limit_is_a_503_with_Retry_After_within_the_limit()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        var id = (await rig.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = "slow@contoso.com" })).Id;
        rig.Faults!.Faults = new StorageFaults { Delay = TimeSpan.FromSeconds(12) };
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var response = await rig.SendAsync(HttpMethod.Get, $"/Users/{id}", token);

            Assert.Equal(503, response.Status);
            Assert.NotNull(response.RetryAfter);
            Assert.Equal("application/scim+json", response.MediaType);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(12), $"took {clock.Elapsed}");
        }
        finally
        {
            rig.Faults.Faults = StorageFaults.None;
        }

        await rig.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Under_twenty_percent_throttling_no_request_is_a_500_and_nothing_acknowledged_is_lost()
    {
        var (org, token) = await rig.NewOrganizationWithIdAsync();
        var answers = new ConcurrentBag<ScimResponse>();
        var injectedBefore = rig.Faults!.Injected;
        rig.Faults.Faults = Throttling;
        try
        {
            // Creates (parallel, as Entra's workers), each acknowledged one remembered with what it was told.
            var users = new ConcurrentDictionary<string, string>();
            await Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
            {
                var created = await SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = $"fault{i:D2}@contoso.com", ["active"] = true }, answers);
                if (created.Status == 201)
                {
                    users[created.Id] = $"fault{i:D2}@contoso.com";
                }
            });

            var titles = new ConcurrentDictionary<string, string>();
            var inactive = new ConcurrentDictionary<string, bool>();
            await Parallel.ForEachAsync(users.Keys, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (id, _) =>
            {
                var title = "Title " + id[..8];
                if ((await SendAsync(HttpMethod.Patch, $"/Users/{id}", token, Patch($$"""{"op":"replace","path":"title","value":"{{title}}"}"""), answers)).Status == 200)
                {
                    titles[id] = title;
                }

                if (id[0] < '8' && (await SendAsync(HttpMethod.Patch, $"/Users/{id}", token, Patch("""{"op":"Replace","path":"active","value":"False"}"""), answers)).Status == 200)
                {
                    inactive[id] = true;
                }
            });

            string? group = null;
            for (var attempt = 0; group is null && attempt < 20; attempt++)
            {
                var created = await SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject { ["displayName"] = "Faulty" }, answers);
                group = created.Status == 201 ? created.Id : null;
            }

            Assert.NotNull(group);
            var members = new ConcurrentDictionary<string, bool>();
            await Parallel.ForEachAsync(users.Keys, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (id, _) =>
            {
                var add = await SendAsync(HttpMethod.Patch, $"/Groups/{group}", token, Patch($$"""{"op":"Add","path":"members","value":[{"value":"{{id}}"}]}"""), answers);
                if (add.Status == 204)
                {
                    members[id] = true;
                }
            });

            var deleted = new ConcurrentDictionary<string, bool>();
            foreach (var id in users.Keys.Order(StringComparer.Ordinal).Take(8))
            {
                if ((await SendAsync(HttpMethod.Delete, $"/Users/{id}", token, null, answers)).Status == 204)
                {
                    deleted[id] = true;
                }
            }

            for (var start = 1; start <= 60; start += 20)
            {
                await SendAsync(HttpMethod.Get, $"/Users?startIndex={start}&count=20", token, null, answers);
            }

            rig.Faults.Faults = StorageFaults.None;

            // As Entra ID does, a DELETE that failed is sent again later: it finishes what the failed one left.
            foreach (var id in users.Keys.Order(StringComparer.Ordinal).Take(8).Where(id => !deleted.ContainsKey(id)))
            {
                var again = await rig.SendAsync(HttpMethod.Delete, $"/Users/{id}", token);
                Assert.True(again.Status is 204 or 404, $"{again.Status} {again.Detail}");
                deleted[id] = true;
            }

            Assert.True(rig.Faults.Injected - injectedBefore > 20, $"only {rig.Faults.Injected - injectedBefore} faults were injected");
            Assert.True(users.Count > 20, $"only {users.Count} of 60 creates succeeded");
            Assert.All(answers, a => Assert.True(
                a.Status is 200 or 201 or 204 || (a.Status == 503 && a.RetryAfter is not null && a.MediaType == "application/scim+json"),
                $"{a.Status} {a.Detail}"));

            // Everything acknowledged is there, as acknowledged.
            foreach (var (id, userName) in users)
            {
                var user = await rig.SendAsync(HttpMethod.Get, $"/Users/{id}", token);
                if (deleted.ContainsKey(id))
                {
                    Assert.Equal(404, user.Status);
                    continue;
                }

                Assert.True(user.Status == 200, $"{user.Status} {user.Detail}\n{rig.LogsOf(user.RequestId)}");
                Assert.Equal(userName, user.Body!["userName"]!.GetValue<string>());
                if (titles.TryGetValue(id, out var title))
                {
                    Assert.Equal(title, user.Body["title"]!.GetValue<string>());
                }

                if (inactive.ContainsKey(id))
                {
                    Assert.False(user.Body["active"]!.GetValue<bool>());
                }
            }

            var stored = (await rig.SendAsync(HttpMethod.Get, $"/Groups/{group}", token)).Body!["members"]?.AsArray()
                .Select(m => m!["value"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
            Assert.All(members.Keys.Where(id => !deleted.ContainsKey(id)), id => Assert.Contains(id, stored));
            await rig.AssertConsistentAsync(org);
        }
        finally
        {
            rig.Faults.Faults = StorageFaults.None;
        }
    }

    private async Task<ScimResponse> SendAsync(HttpMethod method, string path, string token, JsonNode? body, ConcurrentBag<ScimResponse> answers)
    {
        var response = await rig.SendAsync(method, path, token, body);
        answers.Add(response);
        return response;
    }

    private static JsonObject Patch(string operation) =>
        JsonNode.Parse($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{operation}}]}""")!.AsObject();
}
