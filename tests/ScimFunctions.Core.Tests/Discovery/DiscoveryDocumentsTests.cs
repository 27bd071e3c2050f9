using System.Text.Json.Nodes;
using ScimFunctions.Core.Discovery;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Discovery;

public sealed class DiscoveryDocumentsTests
{
    private const string BaseUrl = "https://scim.example.com/api/sch/scim/v2";

    [Fact]
    public void Service_provider_config_advertises_only_what_is_implemented()
    {
        var config = DiscoveryDocuments.ServiceProviderConfig(new ServiceProviderCapabilities { MaxResults = 500 }, BaseUrl);

        Assert.Equal(ScimConstants.ServiceProviderConfigSchema, config["schemas"]![0]!.GetValue<string>());
        Assert.True(config["patch"]!["supported"]!.GetValue<bool>());
        Assert.False(config["bulk"]!["supported"]!.GetValue<bool>());
        Assert.True(config["filter"]!["supported"]!.GetValue<bool>());
        Assert.Equal(500, config["filter"]!["maxResults"]!.GetValue<int>());
        Assert.False(config["changePassword"]!["supported"]!.GetValue<bool>());
        Assert.False(config["sort"]!["supported"]!.GetValue<bool>());
        Assert.True(config["etag"]!["supported"]!.GetValue<bool>());
        Assert.False(config["pagination"]!["cursor"]!.GetValue<bool>());
        Assert.Null(config["pagination"]!["cursorTimeout"]);
        Assert.Equal("oauthbearertoken", config["authenticationSchemes"]![0]!["type"]!.GetValue<string>());
        Assert.Equal($"{BaseUrl}/ServiceProviderConfig", config["meta"]!["location"]!.GetValue<string>());
    }

    [Fact]
    public void Cursor_paging_is_advertised_with_its_timeout_when_enabled()
    {
        var config = DiscoveryDocuments.ServiceProviderConfig(new ServiceProviderCapabilities { CursorPagination = true }, BaseUrl);

        Assert.True(config["pagination"]!["cursor"]!.GetValue<bool>());
        Assert.Equal(3600, config["pagination"]!["cursorTimeout"]!.GetValue<int>());
    }

    [Fact]
    public void Resource_types_list_user_with_enterprise_extension_and_group()
    {
        var list = DiscoveryDocuments.ResourceTypes(ScimSchemaRegistry.Default, BaseUrl);

        Assert.Equal(2, list["totalResults"]!.GetValue<long>());
        var user = list["Resources"]![0]!;
        Assert.Equal("/Users", user["endpoint"]!.GetValue<string>());
        Assert.Equal(ScimConstants.UserSchema, user["schema"]!.GetValue<string>());
        Assert.Equal(ScimConstants.EnterpriseUserSchema, user["schemaExtensions"]![0]!["schema"]!.GetValue<string>());
        Assert.False(user["schemaExtensions"]![0]!["required"]!.GetValue<bool>());
        Assert.Equal("/Groups", list["Resources"]![1]!["endpoint"]!.GetValue<string>());
    }

    [Fact]
    public void Schemas_describe_every_attribute_with_its_characteristics()
    {
        var list = DiscoveryDocuments.Schemas(ScimSchemaRegistry.Default, BaseUrl);
        var user = list["Resources"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == ScimConstants.UserSchema)!;
        var attributes = user["attributes"]!.AsArray();

        Assert.Equal(BuiltInSchemas.User.Attributes.Count, attributes.Count);
        var userName = attributes.Single(a => a!["name"]!.GetValue<string>() == "userName")!;
        Json.Equal(Json.Object("""
            {"name":"userName","type":"string","multiValued":false,
             "description":"Unique identifier for the User, used to authenticate. Unique within an organization, case-insensitively.",
             "required":true,"caseExact":false,"mutability":"readWrite","returned":"default","uniqueness":"server"}
            """), userName);
        var emails = attributes.Single(a => a!["name"]!.GetValue<string>() == "emails")!;
        Assert.True(emails["multiValued"]!.GetValue<bool>());
        Assert.Equal(4, emails["subAttributes"]!.AsArray().Count);
        Assert.Equal("never", attributes.Single(a => a!["name"]!.GetValue<string>() == "password")!["returned"]!.GetValue<string>());
        Assert.Equal(3, list["totalResults"]!.GetValue<long>());
    }

    [Fact]
    public void Custom_extension_appears_in_schemas_and_resource_types()
    {
        var registry = ScimSchemaRegistry.Create([CustomSchemas.Extension()]);

        var schemas = DiscoveryDocuments.Schemas(registry, BaseUrl);
        var types = DiscoveryDocuments.ResourceTypes(registry, BaseUrl);

        var custom = schemas["Resources"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == CustomSchemas.Id)!;
        Assert.Equal("integer", custom["attributes"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "level")!["type"]!.GetValue<string>());
        Assert.Contains(types["Resources"]![0]!["schemaExtensions"]!.AsArray(), e => e!["schema"]!.GetValue<string>() == CustomSchemas.Id);
        Assert.Equal($"{BaseUrl}/Schemas/{CustomSchemas.Id}", custom["meta"]!["location"]!.GetValue<string>());
    }

    [Fact]
    public void List_documents_are_list_responses()
    {
        var list = DiscoveryDocuments.Schemas(ScimSchemaRegistry.Default, BaseUrl);

        Assert.Equal(ScimConstants.ListResponseMessage, list["schemas"]![0]!.GetValue<string>());
        Assert.Equal(1, list["startIndex"]!.GetValue<int>());
        Assert.Equal(list["Resources"]!.AsArray().Count, list["itemsPerPage"]!.GetValue<int>());
        Assert.IsType<JsonArray>(list["Resources"]);
    }
}
