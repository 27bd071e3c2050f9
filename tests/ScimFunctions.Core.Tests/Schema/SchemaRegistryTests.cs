using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Schema;

public sealed class SchemaRegistryTests
{
    [Fact]
    public void User_schema_has_the_rfc_characteristics()
    {
        var user = BuiltInSchemas.User;

        var userName = user.FindAttribute("username")!;
        Assert.True(userName.Required);
        Assert.False(userName.CaseExact);
        Assert.Equal(Uniqueness.Server, userName.Uniqueness);

        var password = user.FindAttribute("password")!;
        Assert.Equal(Mutability.WriteOnly, password.Mutability);
        Assert.Equal(Returned.Never, password.Returned);

        var groups = user.FindAttribute("groups")!;
        Assert.True(groups.MultiValued);
        Assert.Equal(Mutability.ReadOnly, groups.Mutability);

        var emails = user.FindAttribute("emails")!;
        Assert.True(emails.IsMultiValuedComplex);
        Assert.Equal(["work", "home", "other"], emails.FindSubAttribute("type")!.CanonicalValues);
        Assert.Equal(AttributeType.Boolean, emails.FindSubAttribute("primary")!.Type);
    }

    [Fact]
    public void Enterprise_manager_is_complex_with_value_ref_and_read_only_display_name()
    {
        var manager = BuiltInSchemas.EnterpriseUser.FindAttribute("manager")!;

        Assert.Equal(AttributeType.Complex, manager.Type);
        Assert.False(manager.MultiValued);
        Assert.Equal(AttributeType.String, manager.FindSubAttribute("value")!.Type);
        Assert.Equal(["User"], manager.FindSubAttribute("$ref")!.ReferenceTypes);
        Assert.Equal(Mutability.ReadOnly, manager.FindSubAttribute("displayName")!.Mutability);
    }

    [Fact]
    public void Group_members_value_is_immutable_and_display_name_required()
    {
        var group = BuiltInSchemas.Group;

        Assert.True(group.FindAttribute("displayName")!.Required);
        Assert.Equal(Mutability.Immutable, group.FindAttribute("members")!.FindSubAttribute("value")!.Mutability);
    }

    [Fact]
    public void Common_attributes_resolve_in_every_resource_type()
    {
        foreach (var type in ScimSchemaRegistry.Default.ResourceTypes)
        {
            Assert.Equal(Returned.Always, type.Resolve(null, "ID")!.Attribute.Returned);
            Assert.True(type.Resolve(type.CoreSchema.Id, "externalId")!.Attribute.CaseExact);
            Assert.Equal(Mutability.ReadOnly, type.Resolve(null, "meta")!.Attribute.Mutability);
        }
    }

    [Fact]
    public void Unqualified_extension_attribute_resolves_when_unique()
    {
        var resolved = ScimSchemaRegistry.Default.User.Resolve(null, "employeeNumber")!;

        Assert.True(resolved.IsExtension);
        Assert.Equal(ScimConstants.EnterpriseUserSchema + ":employeeNumber", resolved.QualifiedName);
        Assert.Null(ScimSchemaRegistry.Default.User.Resolve("urn:example:other:2.0:User", "employeeNumber"));
    }

    [Fact]
    public void Custom_extension_is_registered_on_its_resource_type()
    {
        var registry = ScimSchemaRegistry.Create([CustomSchemas.Extension()]);

        Assert.Contains(registry.User.Extensions, e => e.Schema.Id == CustomSchemas.Id);
        Assert.DoesNotContain(registry.Group.Extensions, e => e.Schema.Id == CustomSchemas.Id);
        Assert.NotNull(registry.FindSchema(CustomSchemas.Id.ToUpperInvariant()));
        Assert.Equal(AttributeType.Integer, registry.User.Resolve(CustomSchemas.Id, "LEVEL")!.Attribute.Type);
    }

    [Fact]
    public void Custom_extension_behaves_like_a_built_in_one()
    {
        var registry = ScimSchemaRegistry.Create([CustomSchemas.Extension()]);
        var user = ResourceNormalizer.Normalize(
            Json.Object($$$"""{"userName":"u","{{{CustomSchemas.Id}}}":{"trainingTrack":"OWASP","mentor":"True","skills":[{"value":"xss","level":3}]}}"""),
            registry.User);

        Assert.True(user[CustomSchemas.Id]!["mentor"]!.GetValue<bool>());
        Assert.True(FilterCompiler.Compile($"{CustomSchemas.Id}:skills[value eq \"XSS\" and level ge 3]", registry.User).Matches(user));

        var patch = PatchRequest.Parse(Json.Object($$"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"Replace","path":"{{CustomSchemas.Id}}:trainingTrack","value":"Secure APIs"},
              {"op":"add","path":"{{CustomSchemas.Id}}:skills[value eq \"sqli\"].level","value":2}]}
            """));
        var patched = PatchEngine.Apply(user, patch, registry.User).Resource;
        Assert.Equal("Secure APIs", patched[CustomSchemas.Id]!["trainingTrack"]!.GetValue<string>());
        Assert.Equal(2, patched[CustomSchemas.Id]!["skills"]![1]!["level"]!.GetValue<long>());

        var projected = AttributeSelection.Parse(registry.User, $"{CustomSchemas.Id}:trainingTrack", null).Apply(patched);
        Assert.Equal("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:securecodinghub:2.0:User"],"urn:ietf:params:scim:schemas:extension:securecodinghub:2.0:User":{"trainingTrack":"Secure APIs"}}""",
            projected.ToJsonString());
    }

    [Fact]
    public void Custom_extension_values_of_the_wrong_type_are_refused()
    {
        var registry = ScimSchemaRegistry.Create([CustomSchemas.Extension()]);

        var error = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(
            Json.Object($$$"""{"userName":"u","{{{CustomSchemas.Id}}}":{"level":"seven"}}"""), registry.User)).Error;

        Assert.Equal(ScimErrorType.InvalidValue, error.ScimType);
        Assert.Contains("level", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-urn", "level", "string", "not a URN")]
    [InlineData(ScimConstants.EnterpriseUserSchema, "level", "string", "more than once")]
    [InlineData("urn:example:x:2.0:User", "1level", "string", "not a valid SCIM attribute name")]
    [InlineData("urn:example:x:2.0:User", "level", "float", "not a SCIM type")]
    [InlineData("urn:example:x:2.0:User", "level", "complex", "needs sub-attributes")]
    public void Invalid_extension_configuration_is_refused_with_a_reason(string id, string attribute, string type, string reason)
    {
        var options = new ExtensionSchemaOptions { Id = id };
        options.Attributes.Add(new AttributeOptions { Name = attribute, Type = type });

        var error = Assert.Throws<ArgumentException>(() => ScimSchemaRegistry.Create([options]));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extension_for_an_unknown_resource_type_is_refused()
    {
        var options = CustomSchemas.Extension();
        options.ResourceType = "Device";

        Assert.Throws<ArgumentException>(() => ScimSchemaRegistry.Create([options]));
    }
}
