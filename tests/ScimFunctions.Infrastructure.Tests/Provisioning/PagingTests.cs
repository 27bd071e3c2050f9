using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Provisioning;

[Collection(AzuriteCollection.Name)]
public sealed class PagingTests(Azurite azurite)
{
    [Fact]
    public async Task Index_paging_returns_every_user_once_in_a_stable_order_with_integer_totals()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            ids.Add(await scim.CreateUserAsync(org, $"user{i}@contoso.com"));
        }

        var seen = new List<string>();
        for (var start = 1; start <= 25; start += 10)
        {
            var page = await scim.ListUsersAsync(org, startIndex: start, count: 10);
            Assert.Equal(25, page["totalResults"]!.GetValue<long>());
            Assert.Equal(start, page["startIndex"]!.GetValue<int>());
            Assert.Equal(Math.Min(10, 26 - start), page["itemsPerPage"]!.GetValue<int>());
            seen.AddRange(Fixture.Ids(page));
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        Assert.Equal(seen, Fixture.Ids(await scim.ListUsersAsync(org, startIndex: 1, count: 100)));
    }

    [Fact]
    public async Task Pages_are_positions_in_the_current_list_whichever_instance_served_the_previous_page()
    {
        // Two instances: each its own services and page-boundary memory, one table.
        var a = await Fixture.CreateAsync(azurite);
        var b = await Fixture.CreateAsync(azurite);
        var org = await a.NewOrganizationAsync();
        for (var i = 0; i < 30; i++)
        {
            await a.CreateUserAsync(org, $"user{i}@contoso.com");
        }

        // A first import, pages alternating between the instances, leaves boundaries in both memories.
        for (var start = 1; start <= 30; start += 10)
        {
            await (start % 20 == 1 ? a : b).ListUsersAsync(org, startIndex: start, count: 10);
        }

        // Users are added and removed through "other instances", then the import runs again, alternating.
        var all = Fixture.Ids(await b.ListUsersAsync(org, count: 100));
        await b.Users.DeleteAsync(org, all[3], null, CancellationToken.None);
        for (var i = 0; i < 7; i++)
        {
            await b.CreateUserAsync(org, $"late{i}@contoso.com");
        }

        var expected = Fixture.Ids(await b.ListUsersAsync(org, count: 100));
        var seen = new List<string>();
        for (var start = 1; start <= expected.Length; start += 10)
        {
            var page = await (start % 20 == 1 ? a : b).ListUsersAsync(org, startIndex: start, count: 10);
            Assert.Equal(expected.Length, page["totalResults"]!.GetValue<long>());
            seen.AddRange(Fixture.Ids(page));
        }

        Assert.Equal(expected, seen);
        Assert.Equal(36, seen.Distinct().Count());
    }

    [Fact]
    public async Task Index_paging_from_a_cold_cache_skips_to_the_right_place()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        for (var i = 0; i < 7; i++)
        {
            await scim.CreateUserAsync(org, $"user{i}@contoso.com");
        }

        var all = Fixture.Ids(await scim.ListUsersAsync(org, count: 100));
        var cold = await Fixture.CreateAsync(azurite);

        Assert.Equal(all.Skip(4).Take(2), Fixture.Ids(await cold.ListUsersAsync(org, startIndex: 5, count: 2)));
        Assert.Empty(Fixture.Ids(await cold.ListUsersAsync(org, startIndex: 50, count: 2)));
    }

    [Fact]
    public async Task Cursor_paging_walks_the_whole_list()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        for (var i = 0; i < 9; i++)
        {
            await scim.CreateUserAsync(org, $"user{i}@contoso.com");
        }

        var seen = new List<string>();
        var cursor = string.Empty;
        var pages = 0;
        do
        {
            var page = await scim.ListUsersAsync(org, count: 4, cursor: cursor);
            Assert.Equal(9, page["totalResults"]!.GetValue<long>());
            seen.AddRange(Fixture.Ids(page));
            cursor = page["nextCursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Fixture.Ids(await scim.ListUsersAsync(org, count: 100)), seen);
    }

    [Fact]
    public async Task Filtered_results_page_with_total_counting_every_match()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        for (var i = 0; i < 8; i++)
        {
            await scim.CreateUserAsync(org, $"{(i % 2 == 0 ? "even" : "odd")}{i}@contoso.com");
        }

        var page = await scim.ListUsersAsync(org, "userName sw \"even\"", startIndex: 3, count: 2);

        Assert.Equal(4, page["totalResults"]!.GetValue<long>());
        Assert.Equal(2, page["itemsPerPage"]!.GetValue<int>());
    }

    [Fact]
    public async Task Count_zero_returns_only_the_total_and_counts_are_capped()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();
        await scim.CreateUserAsync(org, "one@contoso.com");

        var none = await scim.ListUsersAsync(org, count: 0);
        var capped = await scim.Users.ListAsync(org, new ListRequest { Count = 100_000 }, CancellationToken.None);

        Assert.Equal(1, none["totalResults"]!.GetValue<long>());
        Assert.Empty(none["Resources"]!.AsArray());
        Assert.Equal(200, capped.Status);
    }

    [Fact]
    public async Task A_forged_cursor_is_400_invalidCursor()
    {
        var scim = await Fixture.CreateAsync(azurite);
        var org = await scim.NewOrganizationAsync();

        var result = await scim.Users.ListAsync(org, new ListRequest { Cursor = "Zzz!!" }, CancellationToken.None);
        var otherPrefix = await scim.Users.ListAsync(org, new ListRequest { Cursor = Convert.ToBase64String("g:x"u8.ToArray()) }, CancellationToken.None);

        Assert.Equal("invalidCursor", result.Error!.ScimType);
        Assert.Equal(400, otherPrefix.Status);
    }
}
