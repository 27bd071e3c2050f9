using System.Text.Json.Nodes;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Patching;

/// <summary>
/// Fixtures/Patch: the RFC 7644 §3.5.2 examples (rfc7644-*), and PATCH bodies in the shapes Entra ID (entra-*) and
/// Okta (okta-*) send. Each gives a stored resource, the request, and either the resource after or the error.
/// </summary>
public sealed class PatchFixtureTests
{
    public static TheoryData<string> Cases => Fixtures.Names("Patch");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Patch_fixture_gives_expected_resource_or_error(string name)
    {
        var fixture = Fixtures.Load("Patch", name);
        var resourceType = ScimSchemaRegistry.Default.FindResourceType(fixture["resourceType"]!.GetValue<string>())!;
        var resource = fixture["resource"]!.AsObject();
        var snapshot = resource.DeepClone();

        PatchOutcome? outcome = null;
        // Groups run as production runs them: members by MemberChange (the service keeps them as rows), the rest by the engine.
        var error = Record.Exception(() => outcome = resourceType.Name == "Group"
            ? MemberChange.ApplyToDocument(resource, PatchRequest.Parse(fixture["request"]), resourceType)
            : PatchEngine.Apply(resource, PatchRequest.Parse(fixture["request"]), resourceType));

        if (fixture["error"] is JsonObject expectedError)
        {
            var scimError = Assert.IsAssignableFrom<ScimException>(error).Error;
            Assert.Equal(expectedError["status"]!.GetValue<int>(), scimError.Status);
            Assert.Equal(expectedError["scimType"]!.GetValue<string>(), scimError.ScimType);
        }
        else
        {
            Assert.Null(error);
            Json.Equal(MembersInIdOrder(fixture["expected"]!.AsObject()), MembersInIdOrder(outcome!.Resource));
            Assert.Equal(!JsonNode.DeepEquals(snapshot, fixture["expected"]), outcome.Modified);
        }

        Json.Equal(snapshot, resource);
    }

    /// <summary>
    /// The service lists members in id order (the fixtures may list them in any) and writes each member's <c>$ref</c>
    /// from its id when it answers (a client's <c>$ref</c> is not stored).
    /// </summary>
    private static JsonObject MembersInIdOrder(JsonObject resource)
    {
        var copy = (JsonObject)resource.DeepClone();
        if (copy["members"] is JsonArray members)
        {
            var elements = members.Select(m => m!.DeepClone().AsObject()).OrderBy(m => (string?)m["value"], StringComparer.Ordinal).ToList();
            elements.ForEach(e => e.Remove("$ref"));
            copy["members"] = new JsonArray([.. elements]);
        }

        return copy;
    }
}
