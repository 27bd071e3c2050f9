using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Diagnostics;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Testing;

namespace ScimFunctions.Infrastructure.Tests.Support;

/// <summary>The services over one table in Azurite, and a fresh organization per test.</summary>
public sealed class Provisioning
{
    public const string BaseUrl = "https://scim.example.com/api/sch/scim/v2";

    private Provisioning(ScimTable table, TimeProvider time, IEventQueue? events = null)
    {
        Table = table;
        Services = new ProvisioningServices(table, ScimSchemaRegistry.Default, new ProvisioningOptions(), time, NullLoggerFactory.Instance, events);
        Organizations = Services.Organizations;
        Users = Services.Users;
        Groups = Services.Groups;
    }

    public ProvisioningServices Services { get; }

    public ScimTable Table { get; }

    /// <summary>Services over a table that is never created (for storage that is down).</summary>
    public sealed class Unstarted(TableClient client)
    {
        public UserService Users { get; } = new Provisioning(new ScimTable(client), TimeProvider.System).Users;
    }

    public OrganizationStore Organizations { get; }

    public UserService Users { get; }

    public GroupService Groups { get; }

    public static async Task<Provisioning> CreateAsync(Azurite azurite, TableClient? client = null, TimeProvider? time = null, IEventQueue? events = null)
    {
        client ??= azurite.ServiceClient().GetTableClient("scim");
        var table = new ScimTable(client);
        await table.CreateIfNotExistsAsync(CancellationToken.None);
        return new Provisioning(table, time ?? TimeProvider.System, events);
    }

    public async Task<ScimRequestContext> NewOrganizationAsync(int? maxSeats = null)
    {
        var id = "org-" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await Organizations.CreateAsync(id, "Contoso " + id, maxSeats, CancellationToken.None));
        return new ScimRequestContext(id, BaseUrl);
    }

    public async Task AssertConsistentAsync(ScimRequestContext context)
    {
        var problems = await OrganizationInvariantChecker.CheckAsync(Table, context.OrganizationId);
        Assert.True(problems.Count == 0, "Invariants violated:\n" + string.Join('\n', problems));
    }

    public static JsonObject UserBody(string userName, string? externalId = null, bool active = true, string? workEmail = null) => new()
    {
        ["schemas"] = new JsonArray(ScimConstants.UserSchema),
        ["userName"] = userName,
        ["externalId"] = externalId,
        ["active"] = active,
        ["name"] = new JsonObject { ["givenName"] = "Given", ["familyName"] = "Family" },
        ["emails"] = workEmail is null ? null : new JsonArray(new JsonObject { ["value"] = workEmail, ["type"] = "work", ["primary"] = true }),
    };

    public static JsonObject GroupBody(string displayName, params string[] memberIds) => new()
    {
        ["schemas"] = new JsonArray(ScimConstants.GroupSchema),
        ["displayName"] = displayName,
        ["members"] = new JsonArray([.. memberIds.Select(id => (JsonNode)new JsonObject { ["value"] = id })]),
    };

    public static JsonObject Patch(params string[] operations) =>
        JsonNode.Parse($$"""{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{string.Join(",", operations)}}]}""")!.AsObject();

    public async Task<string> CreateUserAsync(ScimRequestContext context, string userName, bool active = true, string? workEmail = null)
    {
        var result = await Users.CreateAsync(context, UserBody(userName, active: active, workEmail: workEmail), CancellationToken.None);
        Assert.True(result.Status == 201, result.Error?.Detail);
        return result.Body!["id"]!.GetValue<string>();
    }

    public async Task<JsonObject> ListUsersAsync(ScimRequestContext context, string? filter = null, int? startIndex = null, int? count = null, string? cursor = null)
    {
        var result = await Users.ListAsync(context, new ListRequest { Filter = filter, StartIndex = startIndex, Count = count, Cursor = cursor }, CancellationToken.None);
        Assert.True(result.Status == 200, result.Error?.Detail);
        return result.Body!.AsObject();
    }

    public static string[] Ids(JsonObject list) => [.. list["Resources"]!.AsArray().Select(r => r!["id"]!.GetValue<string>())];
}
