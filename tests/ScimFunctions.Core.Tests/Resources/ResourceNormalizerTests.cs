using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Resources;

public sealed class ResourceNormalizerTests
{
    private const string Enterprise = SampleResources.Enterprise;
    private static readonly ScimSchemaRegistry Registry = ScimSchemaRegistry.Default;

    [Fact]
    public void Entra_create_body_is_stored_in_canonical_form()
    {
        // The shape of Entra ID's POST /Users (Microsoft's documentation and validator), with string booleans.
        var body = Json.Object($$"""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
              "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
              "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
              "active": "True",
              "emails": [{ "primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com" }],
              "meta": { "resourceType": "User" },
              "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
              "roles": [{ "primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Reader" }],
              "{{Enterprise}}": { "department": "Tour Operations", "manager": "26118915" }
            }
            """);

        var user = ResourceNormalizer.Normalize(body, Registry.User);

        Json.Equal(Json.Object($$"""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
              "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
              "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
              "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
              "active": true,
              "emails": [{ "value": "Test_User_fd0ea19b@testuser.com", "type": "work", "primary": true }],
              "roles": [{ "value": "Reader", "type": "WindowsAzureActiveDirectoryRole", "primary": true }],
              "{{Enterprise}}": { "department": "Tour Operations", "manager": { "value": "26118915" } }
            }
            """), user);
    }

    [Fact]
    public void Okta_create_body_keeps_profile_and_drops_password_and_groups()
    {
        var body = Json.Object("""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
              "userName": "isabella.jones@example.com",
              "name": { "givenName": "Isabella", "familyName": "Jones" },
              "emails": [{ "primary": true, "value": "isabella.jones@example.com", "type": "work" }],
              "displayName": "Isabella Jones",
              "locale": "en-US",
              "externalId": "00u1dhhb1fkIGP7RL1d8",
              "groups": [],
              "password": "1mz050nq",
              "active": true
            }
            """);

        var user = ResourceNormalizer.Normalize(body, Registry.User);

        Assert.False(user.ContainsKey("password"));
        Assert.False(user.ContainsKey("groups"));
        Assert.Equal("00u1dhhb1fkIGP7RL1d8", user["externalId"]!.GetValue<string>());
        Assert.Equal("en-US", user["locale"]!.GetValue<string>());
        Assert.Equal("Isabella", user["name"]!["givenName"]!.GetValue<string>());
    }

    [Fact]
    public void Read_only_attributes_in_the_request_are_ignored()
    {
        var user = ResourceNormalizer.Normalize(
            Json.Object("""{"id":"chosen-by-client","userName":"u","meta":{"version":"W/\"1\""},"groups":[{"value":"g"}]}"""),
            Registry.User);

        Assert.False(user.ContainsKey("id"));
        Assert.False(user.ContainsKey("meta"));
        Assert.False(user.ContainsKey("groups"));
    }

    [Fact]
    public void Attribute_names_are_matched_case_insensitively_and_stored_canonically()
    {
        var user = ResourceNormalizer.Normalize(
            Json.Object("""{"UserName":"u","Active":true,"Emails":[{"Value":"a@b.c","Primary":"true"}],"NAME":{"GIVENNAME":"x"}}"""),
            Registry.User);

        Json.Equal(
            Json.Object("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u","name":{"givenName":"x"},"active":true,"emails":[{"value":"a@b.c","primary":true}]}"""),
            user);
    }

    [Fact]
    public void Extension_attributes_sent_as_qualified_keys_land_in_the_extension()
    {
        var user = ResourceNormalizer.Normalize(
            Json.Object($$"""{"userName":"u","{{Enterprise}}:employeeNumber":"42"}"""),
            Registry.User);

        Assert.Equal("42", user[Enterprise]!["employeeNumber"]!.GetValue<string>());
        Assert.Contains(Enterprise, user["schemas"]!.AsArray().Select(s => s!.GetValue<string>()));
    }

    [Fact]
    public void Unknown_attributes_and_null_values_are_not_stored()
    {
        var user = ResourceNormalizer.Normalize(
            Json.Object("""{"userName":"u","favouriteColour":"blue","title":null,"nickName":"","emails":[]}"""),
            Registry.User);

        Json.Equal(Json.Object("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"u"}"""), user);
    }

    [Theory]
    [InlineData("""{"displayName":"no user name"}""", "userName")]
    [InlineData("""{"userName":""}""", "userName")]
    [InlineData("""{"userName":null}""", "userName")]
    public void Missing_required_attribute_is_invalidValue(string body, string attribute)
    {
        var error = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(Json.Object(body), Registry.User)).Error;

        Assert.Equal(400, error.Status);
        Assert.Equal(ScimErrorType.InvalidValue, error.ScimType);
        Assert.Contains(attribute, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Group_requires_display_name()
    {
        var error = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(Json.Object("""{"members":[]}"""), Registry.Group)).Error;

        Assert.Equal(ScimErrorType.InvalidValue, error.ScimType);
        Assert.Contains("displayName", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"userName":42}""", "userName")]
    [InlineData("""{"userName":"u","active":"yes"}""", "active")]
    [InlineData("""{"userName":"u","name":"Barbara"}""", "name")]
    [InlineData("""{"userName":"u","emails":[{"value":1}]}""", "emails.value")]
    [InlineData("""{"userName":"u","emails":[{"value":"a","primary":true},{"value":"b","primary":true}]}""", "primary")]
    [InlineData("""{"userName":"u","x509Certificates":[{"value":"not base64!"}]}""", "x509Certificates.value")]
    public void Values_of_the_wrong_type_are_invalidValue(string body, string attribute)
    {
        var error = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(Json.Object(body), Registry.User)).Error;

        Assert.Equal(ScimErrorType.InvalidValue, error.ScimType);
        Assert.Contains(attribute, error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("""{"schemas":"urn:ietf:params:scim:schemas:core:2.0:User","userName":"u"}""")]
    [InlineData("""{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"userName":"u"}""")]
    public void Bodies_that_are_not_a_user_are_invalidSyntax(string body)
    {
        var error = Assert.Throws<ScimException>(() => ResourceNormalizer.Normalize(JsonNode.Parse(body), Registry.User)).Error;

        Assert.Equal(ScimErrorType.InvalidSyntax, error.ScimType);
    }

    [Fact]
    public void Put_cannot_change_an_immutable_value()
    {
        var registry = ScimSchemaRegistry.Create([CustomSchemas.Extension()]);
        var existing = ResourceNormalizer.Normalize(
            Json.Object($$$"""{"userName":"u","{{{CustomSchemas.Id}}}":{"badgeIssuedAt":"2026-01-01T00:00:00Z"}}"""), registry.User);
        var same = ResourceNormalizer.Normalize(
            Json.Object($$$"""{"userName":"v","{{{CustomSchemas.Id}}}":{"badgeIssuedAt":"2026-01-01T00:00:00Z"}}"""), registry.User);
        var changed = ResourceNormalizer.Normalize(
            Json.Object($$$"""{"userName":"u","{{{CustomSchemas.Id}}}":{"badgeIssuedAt":"2026-02-01T00:00:00Z"}}"""), registry.User);

        ResourceRules.CheckImmutable(existing, same, registry.User);
        var error = Assert.Throws<ScimException>(() => ResourceRules.CheckImmutable(existing, changed, registry.User)).Error;
        Assert.Equal(ScimErrorType.Mutability, error.ScimType);
    }
}
