using System.Text.Json.Nodes;
using CsCheck;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Patching;

/// <summary>PATCH applies fully or not at all, and what it produces is a valid, canonical resource.</summary>
public sealed class PatchPropertyTests
{
    private static readonly string[] Operations =
    [
        """{"op":"replace","path":"title","value":"Boss"}""",
        """{"op":"Replace","path":"active","value":"False"}""",
        """{"op":"add","path":"emails[type eq \"work\"].value","value":"new@contoso.com"}""",
        """{"op":"add","path":"emails[type eq \"other\"].primary","value":true}""",
        """{"op":"remove","path":"emails[type eq \"home\"]"}""",
        """{"op":"remove","path":"emails"}""",
        """{"op":"add","path":"emails","value":[{"value":"x@y.z","type":"other","primary":true}]}""",
        """{"op":"replace","path":"name","value":{"givenName":"B"}}""",
        """{"op":"remove","path":"name.familyName"}""",
        """{"op":"replace","value":{"displayName":"D","name.familyName":"F","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"R&D"}}""",
        """{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":""}}""",
        """{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}""",
        """{"op":"add","path":"roles","value":[{"value":"{\"id\":\"1\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]}""",
        """{"op":"replace","path":"userName","value":"other@contoso.com"}""",
        """{"op":"replace","path":"phoneNumbers[type eq \"work\"]","value":{"value":"1","type":"work","primary":true}}""",
        // Each of these fails, and must leave nothing applied.
        """{"op":"remove"}""",
        """{"op":"replace","path":"id","value":"x"}""",
        """{"op":"remove","path":"userName"}""",
        """{"op":"replace","path":"emails[value co \"none\"].type","value":"work"}""",
        """{"op":"replace","path":"active","value":"maybe"}""",
        """{"op":"add","path":"nonsense","value":1}""",
        """{"op":"add","path":"emails[","value":1}""",
        """{"op":"add","path":"emails","value":[{"value":"a","primary":true},{"value":"b","primary":true}]}""",
    ];

    [Fact]
    public void Patch_applies_fully_or_leaves_the_resource_untouched()
    {
        var users = ScimSchemaRegistry.Default.User;
        Gen.Int[0, Operations.Length - 1].Array[1, 6].Sample(
            picks =>
            {
                var resource = SampleResources.User();
                var snapshot = resource.DeepClone();
                var body = JsonNode.Parse(
                    $$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{string.Join(",", picks.Select(i => Operations[i]))}}]}""");

                PatchOutcome? outcome = null;
                try
                {
                    outcome = PatchEngine.Apply(resource, PatchRequest.Parse(body), users);
                }
                catch (ScimException e)
                {
                    Assert.Equal(400, e.Error.Status);
                }

                Json.Equal(snapshot, resource);
                if (outcome is not null)
                {
                    var patched = (JsonObject)outcome.Resource.DeepClone();
                    patched.Remove("id");
                    patched.Remove("meta");
                    Json.Equal(patched, ResourceNormalizer.Normalize(patched.DeepClone(), users));
                    Assert.Equal(!JsonNode.DeepEquals(snapshot, outcome.Resource), outcome.Modified);
                }
            },
            iter: 3000,
            print: picks => string.Join(" | ", picks.Select(i => Operations[i])));
    }
}
