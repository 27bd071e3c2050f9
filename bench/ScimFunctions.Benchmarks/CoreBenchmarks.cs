using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Benchmarks;

/// <summary>
/// The core's hot paths: Entra ID's lookup filter (parse, bind, evaluate) and a 10-operation PATCH on a typical
/// Entra ID user. Targets on a 2-core machine: under 2 µs and under 50 µs.
/// </summary>
[MemoryDiagnoser]
public class CoreBenchmarks
{
    private const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    private const string PatchText = """
        {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
          {"op":"Replace","path":"active","value":"False"},
          {"op":"Add","path":"emails[type eq \"work\"].value","value":"barbara.jensen@contoso.com"},
          {"op":"Replace","path":"name.familyName","value":"Jensen-Smith"},
          {"op":"Replace","path":"name.givenName","value":"Barb"},
          {"op":"Add","path":"displayName","value":"Barb Jensen-Smith"},
          {"op":"Replace","path":"title","value":"Senior Tour Guide"},
          {"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Redmond"},
          {"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 555 0101"},
          {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Tours"},
          {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"26118915"}}]}
        """;

    private readonly ResourceTypeDefinition _users = ScimSchemaRegistry.Default.User;
    private JsonObject _user = null!;
    private JsonNode _patchBody = null!;

    [GlobalSetup]
    public void Setup()
    {
        _user = ResourceNormalizer.Normalize(JsonNode.Parse($$"""
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
              "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
              "userName": "Barbara.Jensen@contoso.com",
              "active": true,
              "displayName": "Babs Jensen",
              "title": "Tour Guide",
              "emails": [{ "primary": true, "type": "work", "value": "Barbara.Jensen@contoso.com" }],
              "name": { "formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara" },
              "addresses": [{ "type": "work", "streetAddress": "1 Microsoft Way", "locality": "Seattle", "country": "US" }],
              "phoneNumbers": [{ "type": "work", "value": "+1 555 0100" }],
              "{{Enterprise}}": { "employeeNumber": "701984", "department": "Tour Operations", "manager": { "value": "1" } }
            }
            """), _users);
        _user["id"] = "2819c223-7f76-453a-919d-413861904646";
        _patchBody = JsonNode.Parse(PatchText)!;
    }

    [Benchmark]
    public bool Filter_parse_compile_evaluate_userName_eq() =>
        FilterCompiler.Compile("userName eq \"barbara.jensen@contoso.com\"", _users).Matches(_user);

    [Benchmark]
    public bool Filter_parse_compile_evaluate_entra_work_email() =>
        FilterCompiler.Compile("emails[type eq \"work\"].value eq \"barbara.jensen@contoso.com\"", _users).Matches(_user);

    [Benchmark]
    public PatchOutcome Patch_10_operations_entra_user() =>
        PatchEngine.Apply(_user, PatchRequest.Parse(_patchBody), _users);

    [Benchmark]
    public PatchOutcome Patch_10_operations_entra_user_from_text() =>
        PatchEngine.Apply(_user, PatchRequest.Parse(JsonNode.Parse(PatchText)), _users);
}
