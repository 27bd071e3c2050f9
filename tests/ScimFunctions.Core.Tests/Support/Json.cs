using System.Text.Json.Nodes;

namespace ScimFunctions.Core.Tests.Support;

internal static class Json
{
    public static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>Asserts two JSON documents are equal, showing both when they are not.</summary>
    public static void Equal(JsonNode? expected, JsonNode? actual)
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Fail($"JSON differs.\nExpected: {expected?.ToJsonString()}\nActual:   {actual?.ToJsonString()}");
        }
    }
}
