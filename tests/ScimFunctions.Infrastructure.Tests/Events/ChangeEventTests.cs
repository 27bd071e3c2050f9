using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Tests.Support;
using ScimFunctions.Testing;
using Fixture = ScimFunctions.Infrastructure.Tests.Support.Provisioning;

namespace ScimFunctions.Infrastructure.Tests.Events;

/// <summary>
/// Change events (docs/events.md): one per committed change, in the change's own transaction, moved to the queue by
/// the dispatcher at least once, exactly once after deduplication by id, even when dispatch stops between commit and
/// queue or between queue and the outbox row's removal.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChangeEventTests(Azurite azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Every_committed_change_has_one_event_with_identifiers_and_attribute_names_only()
    {
        var (scim, queue, services) = await CreateAsync();
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "bjensen@contoso.com", workEmail: "bjensen@contoso.com");
        await scim.Users.PatchAsync(org, user, Fixture.Patch("""{"op":"replace","path":"title","value":"Tour Guide"}"""), null, Projection.Default, None);
        await scim.Users.PatchAsync(org, user, Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None);
        var group = (await scim.Groups.CreateAsync(org, Fixture.GroupBody("Tour Guides", user), None)).Body!["id"]!.GetValue<string>();
        await scim.Groups.PatchAsync(org, group, Fixture.Patch($$"""{"op":"remove","path":"members[value eq \"{{user}}\"]"}"""), null, Projection.Default, None);
        await scim.Users.DeleteAsync(org, user, null, None);

        await services.Outbox.DispatchAsync(org.OrganizationId, None);
        var events = queue.Events(org.OrganizationId);

        Assert.Equal(
            ["user.created", "user.updated", "user.deactivated", "group.created", "group.members.added", "group.members.removed", "user.deleted"],
            events.Select(e => e["type"]!.GetValue<string>()));
        Assert.All(events, e => Assert.DoesNotContain("Tour Guide\"", e.ToJsonString(), StringComparison.Ordinal));
        var deactivated = events[2];
        Assert.Equal(["active"], deactivated["attributes"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("urn:ietf:params:scim:event:prov:deactivate", deactivated["event"]!.GetValue<string>());
        Assert.Equal(user, deactivated["resourceId"]!.GetValue<string>());
        Assert.Equal("bjensen@contoso.com", deactivated["userName"]!.GetValue<string>());
        Assert.Equal("W/\"3\"", deactivated["version"]!.GetValue<string>());
        Assert.Equal([user], events[4]["members"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(events.Count, events.Select(e => e["id"]!.GetValue<string>()).Distinct().Count());
        await scim.AssertConsistentAsync(org);
    }

    [Fact]
    public async Task A_change_that_fails_has_no_event_and_a_write_that_changes_nothing_has_none()
    {
        var counting = new CountingTableClient(azurite.ServiceClient().GetTableClient("scim"));
        var (scim, queue, services) = await CreateAsync(counting);
        var org = await scim.NewOrganizationAsync();
        var user = await scim.CreateUserAsync(org, "a@contoso.com");
        counting.FailTransaction = _ => new RequestFailedException(503, "Server busy (injected)");
        await Assert.ThrowsAsync<StorageUnavailableException>(() => scim.Users.PatchAsync(org, user, Fixture.Patch("""{"op":"replace","path":"active","value":false}"""), null, Projection.Default, None));
        counting.FailTransaction = null;
        await scim.Users.PatchAsync(org, user, Fixture.Patch("""{"op":"replace","path":"active","value":true}"""), null, Projection.Default, None);

        await services.Outbox.DispatchAsync(org.OrganizationId, None);

        Assert.Equal(["user.created"], queue.Events(org.OrganizationId).Select(e => e["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Events_survive_a_dispatcher_that_stops_between_commit_and_queue_and_between_queue_and_removal()
    {
        var (scim, queue, services) = await CreateAsync();
        var org = await scim.NewOrganizationAsync();

        // The queue is down while the changes commit: every dispatch right after a write fails, the events stay.
        queue.Down = true;
        var users = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            users.Add(await scim.CreateUserAsync(org, $"u{i}@contoso.com"));
        }

        await Task.Delay(200);
        Assert.Empty(queue.Events(org.OrganizationId));

        // Back up, but the first dispatcher dies after the queue took the events and before it removed their rows.
        queue.Down = false;
        queue.DieAfterSend = true;
        await Assert.ThrowsAsync<InvalidOperationException>(() => services.Outbox.DispatchAsync(org.OrganizationId, None));
        queue.DieAfterSend = false;
        await services.Outbox.DispatchAsync(org.OrganizationId, None);

        var delivered = queue.Events(org.OrganizationId);
        Assert.Equal(10, delivered.Count);
        var once = delivered.DistinctBy(e => e["id"]!.GetValue<string>()).ToList();
        Assert.Equal(5, once.Count);
        Assert.Equal(users.Order(StringComparer.Ordinal), once.Select(e => e["resourceId"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(0, await services.Outbox.DispatchAsync(org.OrganizationId, None));
    }

    [Fact]
    public async Task A_large_membership_change_reports_every_member_once()
    {
        var (scim, queue, services) = await CreateAsync();
        var org = await scim.NewOrganizationAsync();
        var users = new List<string>();
        foreach (var chunk in Enumerable.Range(0, 120).Chunk(16))
        {
            users.AddRange(await Task.WhenAll(chunk.Select(i => scim.CreateUserAsync(org, $"m{i}@contoso.com"))));
        }

        await scim.Groups.CreateAsync(org, Fixture.GroupBody("Everyone", [.. users]), None);
        await services.Outbox.DispatchAsync(org.OrganizationId, None);

        var added = queue.Events(org.OrganizationId).Where(e => e["type"]!.GetValue<string>() == "group.members.added")
            .SelectMany(e => e["members"]!.AsArray().Select(m => m!.GetValue<string>())).ToList();
        Assert.Equal(users.Order(StringComparer.Ordinal), added.Order(StringComparer.Ordinal));
    }

    private async Task<(Fixture Scim, MemoryQueue Queue, ProvisioningServices Services)> CreateAsync(CountingTableClient? client = null)
    {
        var queue = new MemoryQueue();
        var scim = await Fixture.CreateAsync(azurite, client, events: queue);
        return (scim, queue, scim.Services);
    }

    /// <summary>A queue that keeps what it was sent, can be down, and can take a message and then fail (a dispatcher dying after the send).</summary>
    private sealed class MemoryQueue : IEventQueue
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public bool Down { get; set; }

        public bool DieAfterSend { get; set; }

        public bool IsConfigured => true;

        public int Messages => _messages.Count;

        public Task SendAsync(string message, CancellationToken cancellationToken)
        {
            if (Down)
            {
                throw new StorageUnavailableException("The queue is down (injected).");
            }

            Assert.True(Encoding.UTF8.GetByteCount(message) <= EventMessages.MaxBytes || JsonNode.Parse(message)!["events"]!.AsArray().Count == 1, "A message above the size limit.");
            _messages.Enqueue(message);
            if (DieAfterSend)
            {
                throw new InvalidOperationException("The dispatcher died (injected).");
            }

            return Task.CompletedTask;
        }

        /// <summary>The events of an organization, in the order the messages carried them.</summary>
        public List<JsonObject> Events(string organization) =>
            [.. _messages.SelectMany(m => JsonNode.Parse(m)!["events"]!.AsArray().Select(e => e!.AsObject())).Where(e => e["organization"]!.GetValue<string>() == organization)];
    }
}
