using System.Text;
using System.Text.Json.Nodes;
using ScimFunctions.Infrastructure.Events;

namespace ScimFunctions.Infrastructure.Tests.Events;

/// <summary>Queue messages carry several events in commit order and stay below the queue's 64 KiB limit once Base64-encoded.</summary>
public sealed class EventMessagesTests
{
    [Fact]
    public void Consecutive_events_share_messages_in_order_and_every_event_is_in_exactly_one()
    {
        var bodies = Enumerable.Range(0, 100).Select(i => new JsonObject { ["id"] = $"e{i}", ["members"] = new JsonArray([.. Enumerable.Range(0, i % 40).Select(m => (JsonNode)Guid.NewGuid().ToString())]) }.ToJsonString()).ToList();

        var messages = EventMessages.Compose(bodies).ToList();

        var carried = messages.SelectMany(m => JsonNode.Parse(m.Message)!["events"]!.AsArray().Select(e => e!["id"]!.GetValue<string>())).ToList();
        Assert.Equal(bodies.Select((_, i) => $"e{i}"), carried);
        Assert.All(messages, m => Assert.InRange(JsonNode.Parse(m.Message)!["events"]!.AsArray().Count, 1, EventMessages.MaxEvents));
        Assert.All(messages, m => Assert.True(Convert.ToBase64String(Encoding.UTF8.GetBytes(m.Message)).Length <= 64 * 1024));
        Assert.Equal(Enumerable.Range(0, 100), messages.SelectMany(m => Enumerable.Range(m.Events.Start.Value, m.Events.End.Value - m.Events.Start.Value)));
        Assert.InRange(messages.Count, 4, 20);
    }

    [Fact]
    public void An_event_larger_than_a_message_goes_alone_and_none_is_empty()
    {
        var large = new JsonObject { ["id"] = "large", ["userName"] = new string('x', EventMessages.MaxBytes) }.ToJsonString();
        var bodies = new[] { """{"id":"a"}""", large, """{"id":"b"}""" };

        var messages = EventMessages.Compose(bodies).Select(m => JsonNode.Parse(m.Message)!["events"]!.AsArray().Select(e => e!["id"]!.GetValue<string>()).ToList()).ToList();

        Assert.Equal([["a"], ["large"], ["b"]], messages);
        Assert.Empty(EventMessages.Compose([]));
    }
}
