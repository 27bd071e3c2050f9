using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

/// <summary>Races of concurrent requests in one organization; the invariant checker runs after each.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConcurrencyTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Fifty_parallel_creates_of_one_userName_give_exactly_one_201()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            scim.Users.CreateAsync(org, Fixture.UserBody(i % 2 == 0 ? "race@contoso.com" : "RACE@contoso.com"), None)));

        Assert.Single(results, r => r.Status == 201);
        Assert.All(results.Where(r => r.Status != 201), r => Assert.Equal(409, r.Status));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Fifty_parallel_creates_at_ten_seats_give_exactly_ten_active_users()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync(maxSeats: 10);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            scim.Users.CreateAsync(org, Fixture.UserBody($"user{i}@contoso.com"), None)));

        Assert.Equal(10, results.Count(r => r.Status == 201));
        Assert.All(results.Where(r => r.Status != 201), r => Assert.Equal(403, r.Status));
        Assert.Equal(10, (await scim.Organizations.GetAsync(org.OrganizationId, None))!.ActiveUsers);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Parallel_activations_never_pass_the_seat_limit()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync(maxSeats: 3);
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(await scim.CreateUserAsync(org, $"user{i}@contoso.com", active: false));
        }

        var results = await Task.WhenAll(ids.Select(id => scim.Users.PatchAsync(org, id,
            Fixture.Patch("""{"op":"replace","path":"active","value":true}"""), null, Projection.Default, None)));

        Assert.Equal(3, results.Count(r => r.Status == 200));
        Assert.Equal(9, results.Count(r => r.Status == 403));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Fifty_parallel_member_adds_to_one_group_all_land()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var users = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            users.Add(await scim.CreateUserAsync(org, $"member{i}@contoso.com"));
        }

        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Crowd"), None)).Body!["id"]!.GetValue<string>();

        var results = await Task.WhenAll(users.Select(u => scim.Groups.PatchAsync(org, group,
            Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{u}}"}]}"""), null, Projection.Default, None)));

        Assert.All(results, r => Assert.Equal(204, r.Status));
        var members = (await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]!.AsArray();
        Assert.Equal(50, members.Count);
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Parallel_member_adds_and_removes_leave_pairs_consistent()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var users = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            users.Add(await scim.CreateUserAsync(org, $"member{i}@contoso.com"));
        }

        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Churn", [.. users.Take(10)]), None)).Body!["id"]!.GetValue<string>();

        var results = await Task.WhenAll(users.Select((u, i) => scim.Groups.PatchAsync(org, group, i < 10
            ? Fixture.Patch($$"""{"op":"remove","path":"members[value eq \"{{u}}\"]"}""")
            : Fixture.Patch($$"""{"op":"add","path":"members","value":[{"value":"{{u}}"}]}"""), null, Projection.Default, None)));

        Assert.All(results, r => Assert.Equal(204, r.Status));
        var members = (await scim.Groups.GetAsync(org, group, Projection.Default, None)).Body!["members"]!.AsArray();
        Assert.Equal(users.Skip(10).Order(StringComparer.Ordinal), members.Select(m => m!["value"]!.GetValue<string>()));
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task Parallel_patches_with_the_same_if_match_have_one_winner()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var id = await scim.CreateUserAsync(org, "contended@contoso.com");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => scim.Users.PatchAsync(org, id,
            Fixture.Patch($$"""{"op":"replace","path":"title","value":"T{{i}}"}"""), "W/\"1\"", Projection.Default, None)));

        Assert.Single(results, r => r.Status == 200);
        Assert.Equal(19, results.Count(r => r.Status == 412));
        await scim.AssertConsistentAsync(org);
    }
}
