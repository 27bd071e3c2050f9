using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using ScimFunctions.Testing;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Telemetry;

/// <summary>
/// The workbook's queries and the troubleshooting guide's KQL use only the field names the code really emits: the
/// attribute keys of the log records the running server writes.
/// </summary>
[Collection(ScimServerCollection.Name)]
public sealed partial class WorkbookQueryTests(ScimServer server)
{
    [Fact]
    public async Task Workbook_and_troubleshooting_queries_use_emitted_field_names()
    {
        var token = await server.NewOrganizationAsync(maxSeats: 1);
        await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = "seat@example.com" });
        await server.SendAsync(HttpMethod.Post, "/Users", token, new JsonObject { ["userName"] = "refused@example.com" });
        var organization = "org-" + Guid.NewGuid().ToString("N")[..12];
        await server.Services.GetRequiredService<Infrastructure.Organizations.OrganizationStore>().CreateAsync(organization, organization, null, CancellationToken.None);
        var expiring = await server.Services.GetRequiredService<Infrastructure.Authentication.TokenIssuer>().IssueAsync(organization, CancellationToken.None, DateTimeOffset.UtcNow.AddDays(5));
        await server.SendAsync(HttpMethod.Get, "/Users", expiring.Token);

        // The mass-change record needs 50+ deactivations (ActivityJournalTests raise it over HTTP); here its fields are
        // emitted through the same logger method the guard calls.
        var logger = server.Services.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Infrastructure.Journal.MassChangeGuard>>();
        Infrastructure.Telemetry.ProvisioningTelemetry.MassChange(logger, organization, 60, 100, 15);
        var emitted = server.Logs.ToList().SelectMany(l => l.Attributes ?? []).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);

        var root = Azurite.RepositoryRoot();
        var workbook = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "infra", "app", "workbook.json")))!;
        var queries = workbook["items"]!.AsArray().Select(i => i!["content"]?["query"]?.GetValue<string>()).OfType<string>().ToList();
        var guide = File.ReadAllText(Path.Combine(root, "docs", "troubleshooting.md"));

        Assert.True(queries.Count >= 6, "the workbook has its queries");
        var used = queries.Append(guide).SelectMany(q => Field().Matches(q).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("SeatsInUse", used);
        Assert.Contains("MaxSeats", used);
        Assert.All(used, field => Assert.True(emitted.Contains(field), $"'{field}' is queried but the code never emits it"));
    }

    [GeneratedRegex(@"customDimensions\.([A-Za-z]+)")]
    private static partial Regex Field();
}
