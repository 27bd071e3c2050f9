using System.Text.Json.Nodes;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Patching;

public sealed class PatchRequestTests
{
    [Theory]
    [InlineData("""{"Operations":[{"op":"add","path":"title","value":"x"}]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":{"op":"add"}}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":["add"]}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"path":"title","value":"x"}]}""")]
    [InlineData("[]")]
    public void Malformed_patch_messages_are_invalidSyntax(string body)
    {
        var error = Assert.Throws<ScimException>(() => PatchRequest.Parse(JsonNode.Parse(body))).Error;

        Assert.Equal(ScimErrorType.InvalidSyntax, error.ScimType);
    }

    [Fact]
    public void Operations_key_and_op_names_are_case_insensitive()
    {
        var request = PatchRequest.Parse(Json.Object("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "operations":[{"OP":"REPLACE","Path":"title","Value":"x"},{"op":"Remove","path":"nickName"}]}
            """));

        Assert.Equal([PatchOperationType.Replace, PatchOperationType.Remove], request.Operations.Select(o => o.Type));
        Assert.Equal("x", request.Operations[0].Value!.GetValue<string>());
        Assert.False(request.Operations[1].HasValue);
    }

    [Fact]
    public void More_operations_than_the_limit_are_refused()
    {
        var operations = new JsonArray([.. Enumerable.Range(0, PatchRequest.MaxOperations + 1)
            .Select(i => (JsonNode)new JsonObject { ["op"] = "add", ["path"] = "title", ["value"] = $"t{i}" })]);
        var body = new JsonObject { ["schemas"] = new JsonArray("urn:ietf:params:scim:api:messages:2.0:PatchOp"), ["Operations"] = operations };

        Assert.Throws<ScimException>(() => PatchRequest.Parse(body));
    }

    [Fact]
    public void Add_without_a_value_is_invalidValue()
    {
        var request = PatchRequest.Parse(Json.Object("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title"}]}
            """));

        var error = Assert.Throws<ScimException>(() => PatchPlanner.Plan(request, ScimSchemaRegistry.Default.User)).Error;

        Assert.Equal(ScimErrorType.InvalidValue, error.ScimType);
    }

    [Fact]
    public void Unchanged_resource_reports_not_modified()
    {
        var user = SampleResources.User();
        var request = PatchRequest.Parse(Json.Object("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"replace","path":"active","value":"True"},
              {"op":"add","path":"emails","value":[{"value":"babs@jensen.org","type":"home"}]}]}
            """));

        var outcome = PatchEngine.Apply(user, request, ScimSchemaRegistry.Default.User);

        Assert.False(outcome.Modified);
    }

    [Fact]
    public void Planned_operations_expose_member_changes_for_storage()
    {
        var request = PatchRequest.Parse(Json.Object("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Remove","path":"members","value":[{"value":"u1"},{"value":"u2"}]},
              {"op":"add","path":"members","value":[{"value":"u3"}]}]}
            """));

        var plan = PatchPlanner.Plan(request, ScimSchemaRegistry.Default.Group);

        Assert.Equal(["u1", "u2"], plan[0].ValuesToRemove!.Order(StringComparer.Ordinal));
        Assert.Equal("members", plan[1].Attribute.Attribute.Name);
        Assert.Equal("u3", plan[1].Value![0]!["value"]!.GetValue<string>());
    }
}
