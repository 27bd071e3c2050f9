using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Events;

/// <summary>
/// The consumer sample of docs/events.md, against the real queue in Azurite: the product learns of a deactivation and
/// a delete made over HTTP, deduplicating by event id and setting poison messages aside.
/// </summary>
public abstract class EventConsumerTests(ScimHttp server)
{
    [Fact]
    public async Task The_product_learns_of_a_deactivation_and_a_delete_at_once()
    {
        var token = await server.NewOrganizationAsync();
        var created = await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject
        {
            ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
            ["userName"] = $"leaver-{Guid.NewGuid():N}@contoso.com",
            ["externalId"] = "leaver",
            ["active"] = true,
        });
        var id = created.Body!["id"]!.GetValue<string>();
        await server.SendAsync(HttpMethod.Patch, $"/Users/{id}", token, JsonNode.Parse("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}
            """));
        await server.SendAsync(HttpMethod.Delete, $"/Users/{id}", token);

        var consumer = new Consumer(new QueueClient(server.StorageConnectionString, "scim-events", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }));
        var seen = await consumer.ReceiveUntilAsync(events => events.Count(e => (string?)e["resourceId"] == id) >= 3, TimeSpan.FromSeconds(30));

        var mine = seen.Where(e => (string?)e["resourceId"] == id).Select(e => (string)e["type"]!).ToList();
        Assert.Equal(["user.created", "user.deactivated", "user.deleted"], mine);
        Assert.All(seen.Where(e => (string?)e["resourceId"] == id), e => Assert.Null(e["emails"]));
    }

    /// <summary>The consumer of docs/events.md: receive, skip duplicates by id, set poison messages aside, delete.</summary>
    private sealed class Consumer(QueueClient queue)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public async Task<List<JsonObject>> ReceiveUntilAsync(Func<List<JsonObject>, bool> enough, TimeSpan timeout)
        {
            await queue.CreateIfNotExistsAsync();
            var events = new List<JsonObject>();
            var deadline = DateTime.UtcNow + timeout;
            while (!enough(events) && DateTime.UtcNow < deadline)
            {
                var messages = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromSeconds(30))).Value;
                foreach (var message in messages)
                {
                    if (message.DequeueCount > 5)
                    {
                        // Poison: a real consumer moves it to scim-events-poison and alerts.
                        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                        continue;
                    }

                    // A message carries one or more events of one organization, in commit order.
                    foreach (var change in JsonNode.Parse(message.Body.ToString())!["events"]!.AsArray().OfType<JsonObject>())
                    {
                        if (_seen.Add((string)change["id"]!))
                        {
                            events.Add(change);
                        }
                    }

                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(200);
                }
            }

            return events;
        }
    }
}

[Collection(ScimServerCollection.Name)]
public sealed class EventConsumerTestsOnTheLocalServer(ScimServer server) : EventConsumerTests(server);

[Collection(RealHostCollection.Name)]
public sealed class EventConsumerTestsUnderTheRealHost(RealHostServer server) : EventConsumerTests(server);
