using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Journal;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Journal;

/// <summary>
/// The activity journal, reference codes and the mass-change guard over HTTP: what an admin sees from Entra's
/// provisioning log on our side, and a scoping mistake raised once and undone with one command.
/// </summary>
[Collection(ScimServerCollection.Name)]
public sealed class ActivityJournalTests(ScimServer server)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task An_errors_reference_code_resolves_to_its_journal_row_within_its_organization_only()
    {
        var (org, token) = await NewOrganizationAsync();
        var (other, _) = await NewOrganizationAsync();
        await server.SendAsync(HttpMethod.Post, "/Users", token, User("dup@contoso.com"));
        var conflict = await server.SendAsync(HttpMethod.Post, "/Users", token, User("dup@contoso.com"), userAgent: "Microsoft Azure Active Directory SCIM Client");

        Assert.Equal(409, conflict.Status);
        var detail = conflict.Body!["detail"]!.GetValue<string>();
        var code = System.Text.RegularExpressions.Regex.Match(detail, @"ref: ([0-9A-Z]{4}-[0-9A-Z]{4})\)$").Groups[1].Value;
        Assert.NotEmpty(code);

        var journal = server.Services.GetRequiredService<ActivityJournal>();
        var found = await journal.ReadAsync(org, DateTimeOffset.UtcNow.AddHours(-1), code, null, None).ToListAsync();
        var entry = Assert.Single(found);
        Assert.Equal(("CreateUser", 409, "uniqueness", "refused", "dup@contoso.com", conflict.RequestId), (entry.Operation, entry.Status, entry.ScimType, entry.Outcome, entry.Name, entry.RequestId));
        Assert.Contains("userName", entry.Attributes);
        Assert.Equal("Entra ID", entry.IdentityProvider);
        Assert.Empty(await journal.ReadAsync(other, DateTimeOffset.UtcNow.AddHours(-1), code, null, None).ToListAsync());
    }

    [Fact]
    public async Task A_scoping_mistake_raises_one_alert_and_one_command_undoes_it()
    {
        var (org, token) = await NewOrganizationAsync();
        var users = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            users.Add((await server.SendAsync(HttpMethod.Post, "/Users", token, User($"u{i}@contoso.com"))).Body!["id"]!.GetValue<string>());
        }

        var group = await server.SendAsync(HttpMethod.Post, "/Groups", token, new JsonObject
        {
            ["displayName"] = "Everyone",
            ["members"] = new JsonArray([.. users.Select(id => (JsonNode)new JsonObject { ["value"] = id })]),
        });

        // 60 % of the organization leaves the scope: 50 deactivated, 10 deleted.
        foreach (var id in users.Take(50))
        {
            await server.SendAsync(HttpMethod.Patch, $"/Users/{id}", token, JsonNode.Parse(
                """{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"""));
        }

        foreach (var id in users.Skip(50).Take(10))
        {
            await server.SendAsync(HttpMethod.Delete, $"/Users/{id}", token);
        }

        var alerts = await WaitForAsync(() => server.Logs.ToList().Count(l => l.EventId.Name == "MassChange"
            && l.Attributes?.Any(a => a.Key == "OrganizationId" && Equals(a.Value, org)) == true), 1);
        Assert.Equal(1, alerts);

        var services = server.Services.GetRequiredService<ProvisioningServices>();
        var undone = await UndoWindow.RunAsync(services, new ScimRequestContext(org, server.BaseUrl), DateTimeOffset.UtcNow.AddMinutes(-15), None);

        Assert.Equal(60, undone.Count);
        Assert.All(undone, u => Assert.True(u.Status is 200 or 201, $"{u.UserId} {u.Change} {u.Status} {u.Detail}"));
        var active = await server.SendAsync(HttpMethod.Get, "/Users?filter=" + Uri.EscapeDataString("active eq true") + "&count=1", token);
        Assert.Equal(100, active.Body!["totalResults"]!.GetValue<int>());
        var members = (await server.SendAsync(HttpMethod.Get, $"/Groups/{group.Body!["id"]}", token)).Body!["members"]!.AsArray();
        Assert.Equal(100, members.Count);
        Assert.Equal(1, server.Logs.ToList().Count(l => l.EventId.Name == "MassChange" && l.Attributes?.Any(a => a.Key == "OrganizationId" && Equals(a.Value, org)) == true));
    }

    private static JsonObject User(string userName) => new()
    {
        ["schemas"] = new JsonArray("urn:ietf:params:scim:schemas:core:2.0:User"),
        ["userName"] = userName,
        ["externalId"] = userName,
        ["active"] = true,
    };

    private async Task<(string Org, string Token)> NewOrganizationAsync()
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        await server.Services.GetRequiredService<OrganizationStore>().CreateAsync(id, id, null, None);
        return (id, (await server.Services.GetRequiredService<TokenIssuer>().IssueAsync(id, None)).Token);
    }

    private static async Task<int> WaitForAsync(Func<int> count, int atLeast)
    {
        for (var i = 0; i < 100 && count() < atLeast; i++)
        {
            await Task.Delay(100);
        }

        await Task.Delay(300);
        return count();
    }
}
