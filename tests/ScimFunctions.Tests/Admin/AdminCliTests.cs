using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ScimFunctions.Admin;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Testing;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Admin;

/// <summary>The admin CLI against Azurite and the in-memory Key Vault, through the stores the functions use.</summary>
public sealed class AdminCliTests(Azurite azurite) : IClassFixture<Azurite>, IDisposable
{
    private readonly FakeKeyVault _vault = new();

    public void Dispose() => _vault.Dispose();

    [Fact]
    public async Task Organizations_are_created_listed_shown_and_given_seats()
    {
        var org = NewId();

        var created = await RunAsync("org", "create", org, "--name", "Contoso", "--max-seats", "25", "--json");
        var seats = await RunAsync("org", "set-seats", org, "30", "--json");
        var none = await RunAsync("org", "set-seats", org, "none");
        var list = await RunAsync("org", "list", "--json");
        var duplicate = await RunAsync("org", "create", org, "--name", "Again");

        Assert.Equal(0, created.Exit);
        Assert.Equal(25, JsonNode.Parse(created.Output)!["maxSeats"]!.GetValue<int>());
        Assert.Equal(30, JsonNode.Parse(seats.Output)!["maxSeats"]!.GetValue<int>());
        Assert.Contains("no limit", none.Output, StringComparison.Ordinal);
        Assert.Contains(JsonNode.Parse(list.Output)!.AsArray(), o => o!["id"]!.GetValue<string>() == org);
        Assert.Equal(ExitCodes.Conflict, duplicate.Exit);
    }

    [Fact]
    public async Task Issued_tokens_authenticate_list_without_secrets_and_stop_working_when_revoked()
    {
        var org = NewId();
        await RunAsync("org", "create", org, "--name", "Contoso");

        var issued = JsonNode.Parse((await RunAsync("token", "issue", org, "--json")).Output)!;
        var token = issued["token"]!.GetValue<string>();
        var tokenId = issued["tokenId"]!.GetValue<string>();
        var listed = await RunAsync("token", "list", org, "--json");

        Assert.True(ScimToken.IsWellFormed(token));
        Assert.DoesNotContain(token, listed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(ScimToken.Hash(token), listed.Output, StringComparison.Ordinal);
        Assert.Equal("active", JsonNode.Parse(listed.Output)![0]!["status"]!.GetValue<string>());
        var authenticator = new TokenAuthenticator(TokenStore(), new TokenAuthenticationOptions { CacheSeconds = 0 }, TimeProvider.System);
        Assert.Equal(org, (await authenticator.AuthenticateAsync("Bearer " + token, CancellationToken.None)).OrganizationId);

        Assert.Equal(0, (await RunAsync("token", "revoke", org, tokenId)).Exit);

        Assert.Equal(AuthenticationOutcome.Rejected, (await new TokenAuthenticator(TokenStore(), new TokenAuthenticationOptions(), TimeProvider.System)
            .AuthenticateAsync("Bearer " + token, CancellationToken.None)).Outcome);
        Assert.Equal("revoked", JsonNode.Parse((await RunAsync("token", "list", org, "--json")).Output)![0]!["status"]!.GetValue<string>());
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("token", "revoke", org, "tok-nope")).Exit);
    }

    [Fact]
    public async Task A_manual_user_is_found_by_the_idp_lookup_and_adopted_by_its_post()
    {
        var org = NewId();
        await RunAsync("org", "create", org, "--name", "Contoso");

        var created = await RunAsync("user", "create", org, "--user-name", "bjensen@contoso.com", "--email", "bjensen@contoso.com", "--source", "manual", "--json");
        var id = JsonNode.Parse(created.Output)!["id"]!.GetValue<string>();
        var users = new ProvisioningServices(Table(), ScimSchemaRegistry.Default, new ProvisioningOptions(), TimeProvider.System, NullLoggerFactory.Instance).Users;
        var context = new ScimRequestContext(org, "https://scim.example.com/api/sch/scim/v2");

        var lookup = await users.ListAsync(context, new ListRequest { Filter = "emails[type eq \"work\"].value eq \"BJensen@contoso.com\"" }, CancellationToken.None);
        var adopted = await users.CreateAsync(context, new JsonObject { ["userName"] = "bjensen@contoso.com", ["externalId"] = "entra-1" }, CancellationToken.None);
        var listed = await RunAsync("user", "list", org);

        Assert.Equal(id, lookup.Body!["Resources"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(201, adopted.Status);
        Assert.Equal(id, adopted.Body!["id"]!.GetValue<string>());
        Assert.Contains("entra-1", listed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reference_code_from_an_error_ten_days_ago_is_found_by_activity_code_alone()
    {
        var org = NewId();
        await RunAsync("org", "create", org, "--name", "Contoso");
        var at = DateTimeOffset.UtcNow.AddDays(-10);
        var code = ScimFunctions.Infrastructure.Journal.ActivityJournal.NewCode(at);
        var userId = Guid.NewGuid().ToString();
        await new ScimFunctions.Infrastructure.Journal.ActivityJournal(Table(), TimeProvider.System).WriteAsync(org,
            new(code, at, "CreateUser", "User", userId, "bjensen@contoso.com", ["userName"], "refused", 409, "uniqueness", null, "req-1", "Entra ID"), CancellationToken.None);

        var found = await RunAsync("activity", org, "--code", code, "--json");
        var lastHour = await RunAsync("activity", org, "--code", code, "--since", "1h", "--json");

        Assert.Equal(0, found.Exit);
        Assert.Equal(userId, JsonNode.Parse(found.Output)!.AsArray().Single()!["resourceId"]!.GetValue<string>());
        Assert.Empty(JsonNode.Parse(lastHour.Output)!.AsArray());
    }

    [Fact]
    public async Task Errors_are_one_clear_line_with_an_exit_code()
    {
        var unknown = await RunAsync("token", "issue", "no-such-org");
        var usage = await RunAsync("org", "frobnicate");
        var badSource = await RunAsync("user", "create", "x", "--user-name", "u", "--source", "ldap");

        Assert.Equal(ExitCodes.NotFound, unknown.Exit);
        Assert.Contains("does not exist", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, usage.Exit);
        Assert.NotEqual(0, badSource.Exit);
    }

    [Fact]
    public async Task A_missing_key_vault_role_names_the_role_and_an_unreachable_vault_says_so()
    {
        var org = NewId();
        await RunAsync("org", "create", org, "--name", "Contoso");

        _vault.Forbidden = true;
        var forbidden = await RunAsync("token", "issue", org);
        _vault.Forbidden = false;
        _vault.Outage = HttpStatusCode.ServiceUnavailable;
        var down = await RunAsync("token", "list", org);

        Assert.Equal(ExitCodes.Forbidden, forbidden.Exit);
        Assert.Contains("Key Vault Secrets Officer", forbidden.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unavailable, down.Exit);
        Assert.Contains("not reachable", down.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Azd_environment_values_are_read()
    {
        var values = AdminTarget.ParseAzdValues("AZURE_KEY_VAULT_ENDPOINT=\"https://kv-x.vault.azure.net/\"\nAZURE_STORAGE_TABLE_ENDPOINT=\"https://stx.table.core.windows.net/\"\n");

        Assert.Equal("https://kv-x.vault.azure.net/", values["AZURE_KEY_VAULT_ENDPOINT"]);
        Assert.Equal("https://stx.table.core.windows.net/", values["AZURE_STORAGE_TABLE_ENDPOINT"]);
    }

    [Fact]
    public async Task A_change_to_a_deployment_prints_the_target_and_needs_yes()
    {
        var org = NewId();

        var refused = await RunOnAsync(deployment: true, "org", "create", org, "--name", "Contoso");
        var absent = await RunOnAsync(deployment: true, "org", "show", org);
        var confirmed = await RunOnAsync(deployment: true, "org", "create", org, "--name", "Contoso", "--yes");

        Assert.Equal(ExitCodes.Usage, refused.Exit);
        Assert.Contains("Target: https://st.table.core.windows.net (scim), https://kv.vault.azure.net/, organization " + org, refused.Error, StringComparison.Ordinal);
        Assert.Contains("--yes", refused.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, absent.Exit);
        Assert.Equal(0, confirmed.Exit);
        Assert.Contains("Target: https://st.table.core.windows.net", confirmed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_can_expire_and_several_are_valid_at_once_for_rotation()
    {
        var org = NewId();
        await RunAsync("org", "create", org, "--name", "Contoso");

        var first = JsonNode.Parse((await RunAsync("token", "issue", org, "--json")).Output)!;
        var second = JsonNode.Parse((await RunAsync("token", "issue", org, "--expires", "30d", "--json")).Output)!;
        var wrong = await RunAsync("token", "issue", org, "--expires", "soon");
        var list = JsonNode.Parse((await RunAsync("token", "list", org, "--json")).Output)!.AsArray();

        Assert.Null(first["expires"]);
        var expires = second["expires"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(29.9), DateTimeOffset.UtcNow.AddDays(30.1));
        Assert.Equal(ExitCodes.Usage, wrong.Exit);
        Assert.Equal(2, list.Count);
        Assert.All(list, t => Assert.Equal("active", t!["status"]!.GetValue<string>()));
        Assert.Contains(list, t => t!["expires"] is not null);
    }

    [Fact]
    public async Task Unknown_options_are_refused_before_anything_is_done()
    {
        var org = NewId();

        var result = await RunAsync("org", "create", org, "--name", "Contoso", "--max-seat", "5");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("Unknown option --max-seat", result.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("org", "show", org)).Exit);
    }

    [Theory]
    [InlineData(true, true, null)]
    [InlineData(true, false, "https://st.table.core.windows.net")]
    [InlineData(false, true, "https://st.table.core.windows.net")]
    public void Two_targets_at_once_are_refused(bool local, bool azd, string? tableEndpoint)
    {
        var options = new AdminOptions { Local = local, FromAzd = azd, TableEndpoint = tableEndpoint, VaultUri = tableEndpoint is null ? null : "https://kv.vault.azure.net/" };

        var error = Assert.Throws<AdminException>(() => AdminTarget.Resolve(options, _ => null));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith("Name one target", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_on_the_command_line_win_over_the_environment()
    {
        var environment = new Dictionary<string, string>
        {
            ["AZURE_STORAGE_TABLE_ENDPOINT"] = "https://production.table.core.windows.net",
            ["AZURE_KEY_VAULT_ENDPOINT"] = "https://production.vault.azure.net/",
        };

        var target = AdminTarget.Resolve(new AdminOptions { TableEndpoint = "https://staging.table.core.windows.net", VaultUri = "https://staging.vault.azure.net/" }, environment.GetValueOrDefault);
        var local = AdminTarget.Resolve(new AdminOptions { Local = true }, environment.GetValueOrDefault);

        Assert.Equal("https://staging.table.core.windows.net (scim), https://staging.vault.azure.net/", target.Description);
        Assert.False(target.IsLocal);
        Assert.True(local.IsLocal);
        Assert.DoesNotContain("production", local.Description, StringComparison.Ordinal);
    }

    private Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => RunOnAsync(deployment: false, args);

    private async Task<(int Exit, string Output, string Error)> RunOnAsync(bool deployment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var description = deployment ? "https://st.table.core.windows.net (scim), https://kv.vault.azure.net/" : "Azurite and the in-memory vault";
        var exit = await new AdminCli(output, error, TimeProvider.System)
            .RunAsync(args, _ => new AdminTarget(Table(), TokenStore(), description, IsLocal: !deployment), CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    private ScimTable Table() => new(azurite.ServiceClient().GetTableClient("admin"));

    private KeyVaultTokenStore TokenStore() => _vault.TokenStore();

    private static string NewId() => "org-" + Guid.NewGuid().ToString("N")[..10];
}
