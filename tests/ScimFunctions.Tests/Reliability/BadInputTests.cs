using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Reliability;

/// <summary>
/// Generated bad requests: truncated and deeply nested JSON, wrong types, giant strings, raw control characters,
/// filter and PATCH-path fuzz, wrong media types, oversize bodies. Every answer is a SCIM error with the right status
/// and scimType, never a 5xx, and nothing is written.
/// </summary>
public abstract class BadInputTests(ScimHttp server)
{
    private const string ValidUser = """{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fuzz@example.com","active":true,"name":{"givenName":"F","familyName":"Z"},"emails":[{"value":"fuzz@example.com","type":"work","primary":true}]}""";

    private sealed record Case(string Name, HttpMethod Method, string Path, string? Body, string ContentType, int Status, string[] ScimTypes);

    [Fact]
    public async Task Two_hundred_and_more_bad_requests_are_all_scim_errors_and_write_nothing()
    {
        var token = await server.NewOrganizationAsync();
        var target = await server.SendAsync(HttpMethod.Post, "/Users", token, JsonNode.Parse("""{"userName":"target@example.com","title":"Unchanged"}"""));
        var cases = Generate(new Random(20261128), target.Id).ToList();
        Assert.True(cases.Count >= 200, $"{cases.Count} cases");

        foreach (var c in cases)
        {
            using var request = new HttpRequestMessage(c.Method, server.BaseUrl + c.Path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (c.Body is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(c.Body));
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }

            var response = await server.SendAsync(request);

            Assert.True(response.Status == c.Status, $"{c.Name}: expected {c.Status}, got {response.Status} {response.Body?.ToJsonString()}");
            Assert.Equal("application/scim+json", response.MediaType);
            Assert.Equal("urn:ietf:params:scim:api:messages:2.0:Error", response.Body!["schemas"]![0]!.GetValue<string>());
            Assert.True(c.ScimTypes.Length == 0 ? response.ScimType is null : c.ScimTypes.Contains(response.ScimType), $"{c.Name}: scimType {response.ScimType}");
        }

        var users = await server.SendAsync(HttpMethod.Get, "/Users", token);
        Assert.Equal(1, users.TotalResults);
        var unchanged = await server.SendAsync(HttpMethod.Get, $"/Users/{target.Id}", token);
        Assert.Equal("W/\"1\"", unchanged.ETag);
        Assert.Equal("Unchanged", unchanged.Body!["title"]!.GetValue<string>());
    }

    private static IEnumerable<Case> Generate(Random random, string targetId)
    {
        const string scim = "application/scim+json";
        string[] syntax = ["invalidSyntax"];

        // Truncated JSON at 60 random places.
        for (var i = 0; i < 60; i++)
        {
            var cut = random.Next(1, ValidUser.Length - 1);
            yield return new Case($"truncated@{cut}", HttpMethod.Post, "/Users", ValidUser[..cut], scim, 400, syntax);
        }

        // Deep nesting.
        foreach (var depth in new[] { 65, 100, 500, 2000, 10000 })
        {
            yield return new Case($"nested-array-{depth}", HttpMethod.Post, "/Users", $"{{\"userName\":\"n\",\"x\":{new string('[', depth)}{new string(']', depth)}}}", scim, 400, syntax);
            yield return new Case($"nested-object-{depth}", HttpMethod.Post, "/Users",
                "{\"userName\":\"n\",\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}", scim, 400, syntax);
        }

        // Wrong types for known attributes.
        string[] wrongUserName = ["42", "true", "[]", "{}", "null", "\"\"", "[\"a\"]", "1.5"];
        foreach (var value in wrongUserName)
        {
            yield return new Case($"userName={value}", HttpMethod.Post, "/Users", $"{{\"userName\":{value}}}", scim, 400, ["invalidValue"]);
        }

        string[] wrongOthers =
        [
            "\"active\":\"yes\"", "\"active\":1", "\"active\":{}", "\"name\":\"Barbara\"", "\"name\":[1]", "\"emails\":\"x@y.z\"",
            "\"emails\":[1]", "\"emails\":[{\"value\":7}]", "\"emails\":[{\"value\":\"a\",\"primary\":\"maybe\"}]",
            "\"emails\":[{\"value\":\"a\",\"primary\":true},{\"value\":\"b\",\"primary\":true}]", "\"x509Certificates\":[{\"value\":\"%%%\"}]",
            "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":\"dept\"", "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"manager\":[{},{}]}",
            "\"displayName\":[\"a\",\"b\"]", "\"phoneNumbers\":[{\"value\":{}}]", "\"addresses\":[{\"primary\":\"no\"}]",
        ];
        foreach (var member in wrongOthers)
        {
            yield return new Case($"wrong-type {member}", HttpMethod.Post, "/Users", $"{{\"userName\":\"w@example.com\",{member}}}", scim, 400, ["invalidValue"]);
        }

        foreach (var body in new[] { "[]", "\"text\"", "42", "{\"schemas\":\"urn:x\",\"userName\":\"s\"}", "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"userName\":\"s\"}" })
        {
            yield return new Case($"not-a-user {body}", HttpMethod.Post, "/Users", body, scim, 400, syntax);
        }

        // Raw control characters inside JSON strings (JSON requires them escaped).
        for (var c = 1; c < 32; c++)
        {
            if (c is '\t' or '\n' or '\r')
            {
                continue;
            }

            yield return new Case($"control-0x{c:x2}", HttpMethod.Post, "/Users", $"{{\"userName\":\"a{(char)c}b\"}}", scim, 400, syntax);
        }

        // Giant values.
        yield return new Case("body-over-1-MiB", HttpMethod.Post, "/Users", $"{{\"userName\":\"{new string('g', 1_100_000)}\"}}", scim, 413, []);
        yield return new Case("entity-over-1-MiB", HttpMethod.Post, "/Users", $"{{\"userName\":\"big@example.com\",\"title\":\"{new string('t', 600_000)}\"}}", scim, 413, []);
        yield return new Case("patch-over-1-MiB", HttpMethod.Patch, $"/Users/{targetId}",
            $"{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{{\"op\":\"replace\",\"path\":\"title\",\"value\":\"{new string('p', 1_100_000)}\"}}]}}", scim, 413, []);

        // Wrong media types.
        foreach (var type in new[] { "text/plain", "application/xml", "text/json", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/scim+xml" })
        {
            yield return new Case($"media {type}", HttpMethod.Post, "/Users", ValidUser, type, 415, []);
            yield return new Case($"media {type} on PATCH", HttpMethod.Patch, $"/Users/{targetId}", "{}", type, 415, []);
        }

        // Filter fuzz: token soup made invalid by an unclosed parenthesis, and known-bad shapes.
        string[] words = ["userName", "eq", "ne", "co", "pr", "and", "or", "not", "(", ")", "[", "]", "\"x\"", "42", "true", "emails", ".value", "title", "gt", "meta.created"];
        for (var i = 0; i < 40; i++)
        {
            var soup = "(" + string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => words[random.Next(words.Length)]));
            yield return new Case($"filter {soup}", HttpMethod.Get, "/Users?filter=" + Uri.EscapeDataString(soup), null, scim, 400, ["invalidFilter"]);
        }

        foreach (var filter in new[] { "userName eq", "active gt true", "name eq \"x\"", "nosuch eq 1", "userName eq \"a\u0001\"", "emails[type eq \"work\"", "meta.created gt \"yesterday\"", new string('(', 100) + "title pr" + new string(')', 100) })
        {
            yield return new Case($"filter {filter}", HttpMethod.Get, "/Users?filter=" + Uri.EscapeDataString(filter), null, scim, 400, ["invalidFilter"]);
        }

        // PATCH fuzz against the target user: every one must fail and leave it unchanged.
        (string Operation, string ScimType)[] patches =
        [
            ("{\"op\":\"remove\"}", "noTarget"),
            ("{\"op\":\"replace\",\"path\":\"id\",\"value\":\"x\"}", "mutability"),
            ("{\"op\":\"replace\",\"path\":\"meta.created\",\"value\":\"2020-01-01T00:00:00Z\"}", "mutability"),
            ("{\"op\":\"add\",\"path\":\"groups\",\"value\":[{\"value\":\"g\"}]}", "mutability"),
            ("{\"op\":\"remove\",\"path\":\"userName\"}", "mutability"),
            ("{\"op\":\"replace\",\"path\":\"emails[value co \\\"zz\\\"].type\",\"value\":\"work\"}", "noTarget"),
            ("{\"op\":\"replace\",\"path\":\"active\",\"value\":\"perhaps\"}", "invalidValue"),
            ("{\"op\":\"add\",\"path\":\"title\"}", "invalidValue"),
            ("{\"op\":\"move\",\"path\":\"title\",\"value\":\"x\"}", "invalidSyntax"),
            ("{\"path\":\"title\",\"value\":\"x\"}", "invalidSyntax"),
            ("\"replace\"", "invalidSyntax"),
            ("{\"op\":\"replace\",\"value\":\"not an object\"}", "invalidValue"),
        ];
        foreach (var (operation, scimType) in patches)
        {
            yield return new Case($"patch {operation}", HttpMethod.Patch, $"/Users/{targetId}", Patch("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Changed\"}", operation), scim, 400, [scimType]);
        }

        string[] pathChars = ["emails", "[", "]", "type", " eq ", "\"work\"", ".", "value", "urn:", ":", "name", "givenName", "(", ")", "!", "$ref", " ", "0"];
        for (var i = 0; i < 40; i++)
        {
            var path = "[" + string.Concat(Enumerable.Range(0, random.Next(1, 7)).Select(_ => pathChars[random.Next(pathChars.Length)]));
            var operation = new JsonObject { ["op"] = "replace", ["path"] = path, ["value"] = "x" }.ToJsonString();
            yield return new Case($"path {path}", HttpMethod.Patch, $"/Users/{targetId}", Patch(operation), scim, 400, ["invalidPath", "invalidFilter"]);
        }

        yield return new Case("patch without schemas", HttpMethod.Patch, $"/Users/{targetId}", "{\"Operations\":[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"x\"}]}", scim, 400, syntax);
        yield return new Case("patch without operations", HttpMethod.Patch, $"/Users/{targetId}", "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"]}", scim, 400, syntax);
        yield return new Case("search without schemas", HttpMethod.Post, "/Users/.search", "{\"filter\":\"title pr\"}", scim, 400, syntax);
        yield return new Case("search with bad count", HttpMethod.Post, "/Users/.search", "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:SearchRequest\"],\"count\":\"many\"}", scim, 400, ["invalidValue"]);
        yield return new Case("bad startIndex", HttpMethod.Get, "/Users?startIndex=one", null, scim, 400, ["invalidValue"]);
        yield return new Case("forged cursor", HttpMethod.Get, "/Users?cursor=%%%%", null, scim, 400, ["invalidCursor"]);
    }

    private static string Patch(params string[] operations) =>
        $"{{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{string.Join(',', operations)}]}}";
}

/// <summary>Under the local server.</summary>
[Collection(ScimServerCollection.Name)]
public sealed class BadInputTestsOnTheLocalServer(ScimServer server) : BadInputTests(server);

/// <summary>Under the real Functions host: its routing and proxy must not turn any of them into something else.</summary>
[Collection(RealHostCollection.Name)]
public sealed class BadInputTestsUnderTheRealHost(RealHostServer server) : BadInputTests(server);
