using System.Text.Json.Nodes;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Telemetry;

/// <summary>One structured record per request, with the same request id the client sees; never a token or its hash.</summary>
[Collection(ScimServerCollection.Name)]
public sealed class ProvisioningLogTests(ScimServer server)
{
    [Fact]
    public async Task Each_request_writes_one_provisioning_record_with_the_fields_admins_query()
    {
        var token = await server.NewOrganizationAsync();
        var created = await server.SendAsync(HttpMethod.Post, "/Users", token,
            new JsonObject { ["userName"] = "log.me@example.com", ["externalId"] = "okta-00u1" }, userAgent: "Okta SCIM Client 1.0.0");
        var conflict = await server.SendAsync(HttpMethod.Post, "/Users", token,
            new JsonObject { ["userName"] = "log.me@example.com" }, userAgent: "Microsoft Azure Active Directory SCIM Client");

        var record = Find(created.RequestId!);
        Assert.Equal("CreateUser", record["Operation"]);
        Assert.Equal("User", record["ResourceType"]);
        Assert.Equal(created.Id, record["ResourceId"]);
        Assert.Equal("okta-00u1", record["ExternalId"]);
        Assert.Equal("log.me@example.com", record["UserName"]);
        Assert.Equal(201, record["Status"]);
        Assert.Equal("Okta", record["IdentityProvider"]);
        Assert.StartsWith("org-", (string)record["OrganizationId"]!, StringComparison.Ordinal);
        Assert.IsType<double>(record["DurationMs"]);

        var failure = Find(conflict.RequestId!);
        Assert.Equal(409, failure["Status"]);
        Assert.Equal("uniqueness", failure["ScimType"]);
        Assert.Equal("Entra ID", failure["IdentityProvider"]);
        Assert.Contains("already exists", (string)failure["Detail"]!, StringComparison.Ordinal);

        var span = Assert.Single(server.Activities.ToList(), a => Equals(a.GetTagItem("scim.request_id"), created.RequestId));
        Assert.Equal("CreateUser", span.GetTagItem("scim.operation"));
        Assert.Equal(201, span.GetTagItem("scim.status"));
    }

    [Fact]
    public async Task Rejected_tokens_are_logged_without_the_token_or_its_hash()
    {
        var token = await server.NewOrganizationAsync();
        var bogus = ScimToken.Generate(ScimToken.NewSigningKey());
        await server.SendAsync(HttpMethod.Get, "/Users", token);
        var rejected = await server.SendAsync(HttpMethod.Get, "/Users", bogus);

        Assert.Equal(401, Find(rejected.RequestId!)["Status"]);
        var secrets = new[] { token, bogus, ScimToken.Hash(token), ScimToken.Hash(bogus), token[ScimToken.Prefix.Length..] };
        var everything = server.Logs.ToList().SelectMany(l => (l.Attributes ?? []).Select(a => a.Value?.ToString() ?? string.Empty).Append(l.Body ?? string.Empty))
            .Concat(server.Activities.ToList().SelectMany(a => a.TagObjects.Select(t => t.Value?.ToString() ?? string.Empty)))
            .ToList();
        Assert.NotEmpty(everything);
        Assert.All(secrets, secret => Assert.DoesNotContain(everything, text => text.Contains(secret, StringComparison.Ordinal)));
    }

    private Dictionary<string, object?> Find(string requestId)
    {
        var record = server.Logs.ToList().Single(l => l.Attributes?.Any(a => a.Key == "RequestId" && Equals(a.Value, requestId)) == true);
        return record.Attributes!.ToDictionary(a => a.Key, a => a.Value);
    }
}
