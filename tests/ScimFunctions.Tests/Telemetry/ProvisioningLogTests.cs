using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task A_credential_expiring_within_30_days_writes_one_warning_record_and_an_expired_one_is_refused()
    {
        var organization = "org-" + Guid.NewGuid().ToString("N")[..12];
        await server.Services.GetRequiredService<Infrastructure.Organizations.OrganizationStore>().CreateAsync(organization, organization, null, CancellationToken.None);
        var issuer = server.Services.GetRequiredService<TokenIssuer>();
        var soon = await issuer.IssueAsync(organization, CancellationToken.None, DateTimeOffset.UtcNow.AddDays(10));
        var later = await issuer.IssueAsync(organization, CancellationToken.None, DateTimeOffset.UtcNow.AddDays(90));
        var expired = await issuer.IssueAsync(organization, CancellationToken.None, DateTimeOffset.UtcNow.AddSeconds(-1));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await server.SendAsync(HttpMethod.Get, "/Users", soon.Token)).Status);
            Assert.Equal(200, (await server.SendAsync(HttpMethod.Get, "/Users", later.Token)).Status);
        }

        var warnings = server.Logs.ToList().Where(l => l.EventId.Name == "CredentialExpiring"
            && l.Attributes!.Any(a => a.Key == "OrganizationId" && Equals(a.Value, organization))).ToList();
        var warning = Assert.Single(warnings);
        Assert.Equal(soon.Record.TokenId, warning.Attributes!.Single(a => a.Key == "CredentialId").Value);
        Assert.Equal(10, warning.Attributes!.Single(a => a.Key == "DaysLeft").Value);
        Assert.Equal(401, (await server.SendAsync(HttpMethod.Get, "/Users", expired.Token)).Status);
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
