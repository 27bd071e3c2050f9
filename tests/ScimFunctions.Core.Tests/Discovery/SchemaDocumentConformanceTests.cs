using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Discovery;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Core.Tests.Support;

namespace ScimFunctions.Core.Tests.Discovery;

/// <summary>
/// The /Schemas document as a strict client reads it: every attribute carries the characteristics RFC 7643 §7 lists,
/// with legal values, and each attribute RFC 7643 §8.7.1 defines has the characteristics given there, except the
/// deviations that docs/conformance.md explains (listed here, so that a new one fails until it is documented).
/// </summary>
public sealed class SchemaDocumentConformanceTests
{
    private static readonly string[] Types = ["string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"];
    private static readonly string[] Mutabilities = ["readOnly", "readWrite", "immutable", "writeOnly"];
    private static readonly string[] Returns = ["always", "never", "default", "request"];
    private static readonly string[] Uniquenesses = ["none", "server", "global"];

    /// <summary>RFC 7643 §8.7.1: attribute path → type, multiValued, required, mutability, returned, uniqueness, referenceTypes.</summary>
    private static readonly Dictionary<string, string> Rfc = new(StringComparer.Ordinal)
    {
        ["User:userName"] = "string false true readWrite default server",
        ["User:name"] = "complex false false readWrite default none",
        ["User:name.givenName"] = "string false false readWrite default none",
        ["User:displayName"] = "string false false readWrite default none",
        ["User:profileUrl"] = "reference false false readWrite default none external",
        ["User:active"] = "boolean false false readWrite default none",
        ["User:password"] = "string false false writeOnly never none",
        ["User:emails"] = "complex true false readWrite default none",
        ["User:emails.value"] = "string false false readWrite default none",
        ["User:emails.primary"] = "boolean false false readWrite default none",
        ["User:phoneNumbers"] = "complex true false readWrite default none",
        ["User:ims"] = "complex true false readWrite default none",
        ["User:photos"] = "complex true false readWrite default none",
        ["User:photos.value"] = "reference false false readWrite default none external",
        ["User:addresses"] = "complex true false readWrite default none",
        ["User:addresses.locality"] = "string false false readWrite default none",
        ["User:groups"] = "complex true false readOnly default none",
        ["User:groups.value"] = "string false false readOnly default none",
        ["User:groups.$ref"] = "reference false false readOnly default none User,Group",
        ["User:groups.type"] = "string false false readOnly default none",
        ["User:entitlements"] = "complex true false readWrite default none",
        ["User:roles"] = "complex true false readWrite default none",
        ["User:x509Certificates"] = "complex true false readWrite default none",
        ["User:x509Certificates.value"] = "binary false false readWrite default none",
        ["EnterpriseUser:employeeNumber"] = "string false false readWrite default none",
        ["EnterpriseUser:manager"] = "complex false false readWrite default none",
        ["EnterpriseUser:manager.value"] = "string false false readWrite default none",
        ["EnterpriseUser:manager.$ref"] = "reference false false readWrite default none User",
        ["EnterpriseUser:manager.displayName"] = "string false false readOnly default none",
        ["Group:displayName"] = "string false false readWrite default none",
        ["Group:members"] = "complex true false readWrite default none",
        ["Group:members.value"] = "string false false immutable default none",
        ["Group:members.$ref"] = "reference false false immutable default none User,Group",
        ["Group:members.type"] = "string false false immutable default none",
    };

    /// <summary>Where this server says something else than §8.7.1, and why (docs/conformance.md, "Schema deviations").</summary>
    private static readonly Dictionary<string, string> Deviations = new(StringComparer.Ordinal)
    {
        // Listing users must stay O(page): a user's groups are read from its membership rows only when asked for.
        ["User:groups"] = "complex true false readOnly request none",
        // Entra ID and its validator expect 409 for a second group with the same displayName, and match groups by it.
        ["Group:displayName"] = "string false true readWrite default server",
    };

    public static TheoryData<string> SchemaIds() => [ScimConstants.UserSchema, ScimConstants.EnterpriseUserSchema, ScimConstants.GroupSchema, CustomSchemas.Id];

    [Theory]
    [MemberData(nameof(SchemaIds))]
    public void Every_attribute_has_the_characteristics_of_RFC_7643_section_7(string schemaId)
    {
        var registry = ScimSchemaRegistry.Create([CustomSchemas.Extension()]);
        var schemas = DiscoveryDocuments.Schemas(registry, "https://scim.example.com/v2");
        var schema = schemas["Resources"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == schemaId)!.AsObject();

        Assert.Equal(ScimConstants.SchemaSchema, schema["schemas"]![0]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(schema["name"]?.GetValue<string>()));
        foreach (var attribute in schema["attributes"]!.AsArray())
        {
            CheckAttribute(attribute!.AsObject(), attribute["name"]!.GetValue<string>(), subAttribute: false);
        }
    }

    [Fact]
    public void Built_in_attributes_match_RFC_7643_section_8_7_1_except_the_documented_deviations()
    {
        var schemas = DiscoveryDocuments.Schemas(ScimSchemaRegistry.Default, "https://scim.example.com/v2");
        var actual = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var schema in schemas["Resources"]!.AsArray())
        {
            var name = schema!["name"]!.GetValue<string>();
            foreach (var attribute in schema["attributes"]!.AsArray())
            {
                var path = $"{name}:{attribute!["name"]!.GetValue<string>()}";
                actual[path] = Characteristics(attribute.AsObject());
                foreach (var sub in attribute["subAttributes"]?.AsArray() ?? [])
                {
                    actual[$"{path}.{sub!["name"]!.GetValue<string>()}"] = Characteristics(sub.AsObject());
                }
            }
        }

        foreach (var (path, expected) in Rfc)
        {
            Assert.True(actual.TryGetValue(path, out var got), $"{path} is not advertised");
            Assert.Equal($"{path}: {Deviations.GetValueOrDefault(path, expected)}", $"{path}: {got}");
        }

        Assert.All(Deviations.Keys, path => Assert.NotEqual(Rfc[path], Deviations[path]));
        var documented = File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "docs", "conformance.md"));
        Assert.All(Deviations.Keys, path => Assert.Contains($"`{path}`", documented, StringComparison.Ordinal));
    }

    private static void CheckAttribute(JsonObject attribute, string path, bool subAttribute)
    {
        foreach (var required in new[] { "name", "type", "multiValued", "description", "required", "mutability", "returned", "uniqueness" })
        {
            Assert.True(attribute.ContainsKey(required), $"{path} has no '{required}'");
        }

        var type = attribute["type"]!.GetValue<string>();
        Assert.Contains(type, Types);
        Assert.Contains(attribute["mutability"]!.GetValue<string>(), Mutabilities);
        Assert.Contains(attribute["returned"]!.GetValue<string>(), Returns);
        Assert.Contains(attribute["uniqueness"]!.GetValue<string>(), Uniquenesses);
        Assert.True(attribute["multiValued"]!.GetValueKind() is JsonValueKind.True or JsonValueKind.False, $"{path}: multiValued is not a boolean");
        if (type is "string" or "reference" or "binary")
        {
            Assert.True(attribute.ContainsKey("caseExact"), $"{path} has no 'caseExact'");
        }

        if (type == "reference")
        {
            var referenceTypes = attribute["referenceTypes"]?.AsArray();
            Assert.True(referenceTypes is { Count: > 0 }, $"{path} is a reference without 'referenceTypes'");
        }
        else
        {
            Assert.False(attribute.ContainsKey("referenceTypes"), $"{path} is not a reference but has 'referenceTypes'");
        }

        if (type == "complex")
        {
            Assert.False(subAttribute, $"{path}: a sub-attribute cannot be complex (RFC 7643 §2.3.8)");
            var subs = attribute["subAttributes"]?.AsArray();
            Assert.True(subs is { Count: > 0 }, $"{path} is complex without 'subAttributes'");
            foreach (var sub in subs!)
            {
                CheckAttribute(sub!.AsObject(), $"{path}.{sub["name"]!.GetValue<string>()}", subAttribute: true);
            }
        }
        else
        {
            Assert.False(attribute.ContainsKey("subAttributes"), $"{path} is not complex but has 'subAttributes'");
        }
    }

    private static string Characteristics(JsonObject a)
    {
        var text = string.Join(' ',
            a["type"]!.GetValue<string>(),
            a["multiValued"]!.GetValue<bool>() ? "true" : "false",
            a["required"]!.GetValue<bool>() ? "true" : "false",
            a["mutability"]!.GetValue<string>(),
            a["returned"]!.GetValue<string>(),
            a["uniqueness"]!.GetValue<string>());
        return a["referenceTypes"] is JsonArray references ? $"{text} {string.Join(',', references.Select(r => r!.GetValue<string>()))}" : text;
    }
}
