using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Diagnostics;
using ScimFunctions.Infrastructure.Journal;
using ScimFunctions.Infrastructure.Migrations;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Provisioning;

namespace ScimFunctions.Admin;

/// <summary>
/// <c>scim-admin</c>: organizations, tokens, seats and users that exist before SCIM. Every command goes through the
/// stores and services the functions use, so what it writes is exactly what the endpoint reads.
/// </summary>
public sealed class AdminCli(TextWriter output, TextWriter error, TimeProvider time, ScimSchemaRegistry? registry = null)
{
    public const string Usage = """
        scim-admin [target] <command>

        target (one of):
          --azd                                  the current azd environment ('azd env get-values')
          --local                                Azurite on 127.0.0.1:10002 and .scim/tokens.json
          --table-endpoint URL --vault-uri URL   a deployment, signed in with DefaultAzureCredential
          (or AZURE_STORAGE_TABLE_ENDPOINT and AZURE_KEY_VAULT_ENDPOINT in the environment)
        options: --json (machine-readable output), --table-name NAME, --connection-string CS, --token-store FILE,
                 --yes (confirm a change to a deployment; the target is printed before every change)

        commands:
          org create <org-id> --name <name> [--max-seats <n>]
          org list
          org show <org-id>
          org set-seats <org-id> <n|none>
          org set-adoption <org-id> userName|userName-or-email|off
                                                 how a POST links to a user created by hand or by JIT sign-in
          org migrate <org-id>|--all             brings stored rows to the current layout (idempotent, safe while serving)
          org check <org-id>                     reads every row of the organization and lists what disagrees (exit 4 if anything)
          org repair <org-id>                    the check, then fixes what it can: finishes unfinished membership changes,
                                                 removes orphaned pairs, index rows and intents, corrects the totals
          token issue <org-id> [--expires 365d]  prints the token once; only its SHA-256 is stored; several may be valid at once
          token list <org-id>                    ids, creation times, status; never a token or a hash
          token revoke <org-id> <token-id>       takes effect within the token cache time (60 s by default)
          client create <org-id> [--expires 730d]
                                                 an OAuth 2.0 client (Entra ID "OAuth2 Client Credentials Grant"): prints the
                                                 client id and the secret once; only the secret's SHA-256 is stored
          client federate <org-id> --issuer https://login.microsoftonline.com/<tenant>/v2.0 --subject <object id> --audience <api://…>
                                                 workload identity federation (RFC 7523): no secret; prints the client id
          client revoke <org-id> <client-id>     the client's secret stops issuing tokens; its tokens stop within the cache time
          user create <org-id> --user-name <name> --source manual|jit [--email <e>] [--given-name <g>] [--family-name <f>] [--display-name <d>]
          user list <org-id> [--filter <scim filter>] [--deleted]
                                                 --deleted: the deleted users still restorable, with when they were deleted
          user delete <org-id> <user-id>         deletes a user as a DELETE does (restorable for the retention period)
          user restore <org-id> <user-id>        restores a deleted user: same id, its attributes and groups, seats permitting
          org set-restore <org-id> on|off        whether a POST with a deleted user's userName and externalId restores it
          org set-guard <org-id> [--users 50] [--percent 20] [--minutes 15]
                                                 the mass-change alert: more than N users and P % deactivated or deleted in M minutes
          org undo-window <org-id> [--since 15m] reactivates and restores exactly the users deactivated or deleted in the window
          activity <org-id> [--code C] [--user U] [--since 1h]
                                                 the activity journal: what was asked and decided; --code alone finds an
                                                 error's reference code within the whole retention period
        """;

    /// <summary>The commands that change data: they print the target first and need --yes on a non-local one.</summary>
    private static readonly HashSet<string> Changes = new(StringComparer.Ordinal)
    {
        "org create", "org set-seats", "org set-adoption", "org migrate", "org repair", "token issue", "token revoke", "client create", "client federate", "client revoke",
        "user create", "user delete", "user restore", "org set-restore", "org set-guard", "org undo-window",
    };

    private static readonly JsonSerializerOptions JsonOutput = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public async Task<int> RunAsync(string[] args, Func<AdminOptions, AdminTarget> resolve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(resolve);
        var parsed = Arguments.Parse(args);
        if (parsed.Words.Count == 0 || parsed.Has("help") || parsed.Words[0] is "help" or "-h")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return parsed.Words.Count == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        try
        {
            parsed.RefuseUnknownOptions();
            var options = parsed.Options();
            var target = resolve(options);
            if (Changes.Contains(string.Join(' ', parsed.Words.Take(2))))
            {
                // Say where the change lands before making it; a deployment's data changes only when confirmed.
                var organization = parsed.Words.Count > 2 ? $", organization {parsed.Words[2]}" : parsed.Has("all") ? ", every organization" : string.Empty;
                await error.WriteLineAsync($"Target: {target.Description}{organization}").ConfigureAwait(false);
                if (!target.IsLocal && !parsed.Has("yes"))
                {
                    throw new AdminException("This changes a deployment's data: check the target above and run the command again with --yes.", ExitCodes.Usage);
                }
            }

            return await DispatchAsync(parsed, options, target, cancellationToken).ConfigureAwait(false);
        }
        catch (AdminException e)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (Exception e) when (Describe(e) is { } failure)
        {
            await error.WriteLineAsync(failure.Message).ConfigureAwait(false);
            return failure.ExitCode;
        }
    }

    private async Task<int> DispatchAsync(Arguments args, AdminOptions options, AdminTarget target, CancellationToken cancellationToken)
    {
        var organizations = new OrganizationStore(target.Table, time);
        var command = args.Words[0] == "activity" ? "activity" : string.Join(' ', args.Words.Take(2));
        switch (command)
        {
            case "org create":
            {
                var id = args.Word(2, "org-id");
                var seats = args.Seats("max-seats");
                await target.Table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
                if (!await organizations.CreateAsync(id, args.Value("name") ?? id, seats, cancellationToken).ConfigureAwait(false))
                {
                    throw new AdminException($"Organization '{id}' exists already.", ExitCodes.Conflict);
                }

                return await WriteAsync(options, await RequireAsync(organizations, id, cancellationToken).ConfigureAwait(false), o => $"Created organization '{o.Id}' ({o.Name}), seats: {Seats(o)}.").ConfigureAwait(false);
            }

            case "org list":
            {
                var all = new List<Organization>();
                await foreach (var organization in organizations.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    all.Add(organization);
                }

                return await WriteAsync(options, all, list => list.Count == 0
                    ? "No organizations."
                    : string.Join(Environment.NewLine, list.Select(o => $"{o.Id,-24} {o.Name,-32} users {o.Users,6}  active {o.ActiveUsers,6}  seats {Seats(o)}"))).ConfigureAwait(false);
            }

            case "org show":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                return await WriteAsync(options, organization, o =>
                    $"{o.Id}: {o.Name}{Environment.NewLine}  users {o.Users} (active {o.ActiveUsers}, not yet SCIM-managed {o.UnmanagedUsers}), groups {o.Groups}{Environment.NewLine}  seats {Seats(o)}, adoption {AdoptionRules.Name(o.Adoption)}, created {o.Created:u}").ConfigureAwait(false);
            }

            case "org set-seats":
            {
                var id = args.Word(2, "org-id");
                var text = args.Word(3, "seat limit (a number or 'none')");
                int? seats = text.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : ParseSeats(text);
                var organization = await organizations.SetMaxSeatsAsync(id, seats, cancellationToken).ConfigureAwait(false)
                    ?? throw NotFound(id);
                return await WriteAsync(options, organization, o => $"Organization '{o.Id}': seats {Seats(o)} ({o.ActiveUsers} in use).").ConfigureAwait(false);
            }

            case "org set-adoption":
            {
                var id = args.Word(2, "org-id");
                var text = args.Word(3, "adoption rule (userName, userName-or-email or off)");
                var rule = AdoptionRules.TryParse(text, out var parsed)
                    ? parsed
                    : throw new AdminException($"The adoption rule must be userName, userName-or-email or off, not '{text}'.", ExitCodes.Usage);
                var organization = await organizations.SetAdoptionAsync(id, rule, cancellationToken).ConfigureAwait(false)
                    ?? throw NotFound(id);
                return await WriteAsync(options, organization, o => $"Organization '{o.Id}': adoption {AdoptionRules.Name(o.Adoption)}.").ConfigureAwait(false);
            }

            case "org migrate":
            {
                var ids = new List<string>();
                if (args.Has("all"))
                {
                    await foreach (var organization in organizations.ListAsync(cancellationToken).ConfigureAwait(false))
                    {
                        ids.Add(organization.Id);
                    }
                }
                else
                {
                    ids.Add((await RequireAsync(organizations, args.Word(2, "org-id or --all"), cancellationToken).ConfigureAwait(false)).Id);
                }

                var reports = new List<MigrationReport>();
                foreach (var id in ids)
                {
                    reports.Add(await OrganizationMigration.MigrateAsync(target.Table, id, new ProvisioningOptions().MaxIndexedEmails, cancellationToken).ConfigureAwait(false));
                }

                return await WriteAsync(options, reports, list => list.Count == 0
                    ? "No organizations."
                    : string.Join(Environment.NewLine, list.Select(r => $"{r.OrganizationId}: {r.UsersMigrated} users migrated, {r.UsersAlreadyCurrent} already current, {r.JournalRowsMoved} journal rows moved to the journal partition"))).ConfigureAwait(false);
            }

            case "activity":
            {
                var organization = await RequireAsync(organizations, args.Word(1, "org-id"), cancellationToken).ConfigureAwait(false);
                var entries = new List<ActivityEntry>();
                var journal = Services(target).Journal;
                if (args.Value("code") is { } code && args.Value("since") is null && args.Value("user") is null)
                {
                    // A code names its minute: found whenever it was made within the retention period.
                    entries.AddRange(await journal.FindAsync(organization.Id, code, cancellationToken).ConfigureAwait(false));
                }
                else
                {
                    await foreach (var entry in journal.ReadAsync(organization.Id, args.Since(time, "1h"), args.Value("code"), args.Value("user"), cancellationToken).ConfigureAwait(false))
                    {
                        entries.Add(entry);
                    }
                }

                return await WriteAsync(options, entries, list => list.Count == 0
                    ? $"No activity in '{organization.Id}' for that selection."
                    : string.Join(Environment.NewLine, list.Select(e =>
                        $"{e.Time:u}  {e.Code}  {e.Operation,-12} {e.Status} {e.ScimType ?? string.Empty,-12} {e.ResourceType} {e.ResourceId ?? "-"} {e.Name ?? string.Empty}  [{string.Join(',', e.Attributes)}]  {e.Effect ?? e.Outcome}  from {e.IdentityProvider}, request {e.RequestId}"))).ConfigureAwait(false);
            }

            case "org undo-window":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var undone = await UndoWindow.RunAsync(Services(target), Context(organization.Id), args.Since(time, "15m"), cancellationToken).ConfigureAwait(false);
                return await WriteAsync(options, undone, list => list.Count == 0
                    ? "Nothing to undo in that window."
                    : string.Join(Environment.NewLine, list.Select(u => $"{u.UserId}  {u.UserName ?? string.Empty,-40} {u.Change}: {u.Status}{(u.Detail is null ? string.Empty : " " + u.Detail)}"))).ConfigureAwait(false);
            }

            case "org set-guard":
            {
                var id = args.Word(2, "org-id");
                var guard = await organizations.SetMassChangeGuardAsync(id, Number("users", 1), Number("percent", 1, 100), Number("minutes", 1, 1440), cancellationToken).ConfigureAwait(false)
                    ?? throw NotFound(id);
                return await WriteAsync(options, guard, g => $"Organization '{id}': alert when more than {g.Users} users and more than {g.Percent} % are deactivated or deleted within {g.Minutes} minutes.")
                    .ConfigureAwait(false);

                int? Number(string name, int min, int max = int.MaxValue) =>
                    args.Value(name) is not { } text ? null
                    : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
                    : throw new AdminException($"--{name} takes a number from {min} to {max}, not '{text}'.", ExitCodes.Usage);
            }

            case "org check" or "org repair":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var repair = command == "org repair";
                var check = await OrganizationInvariantChecker.RunAsync(target.Table, organization.Id, repair, new ProvisioningOptions().MaxIndexedEmails, time, cancellationToken)
                    .ConfigureAwait(false);
                var code = await WriteAsync(options, new { organizationId = organization.Id, problems = check.Problems, repairs = check.Repairs }, r =>
                    string.Join(Environment.NewLine, new[]
                    {
                        r.problems.Count == 0 ? $"Organization '{r.organizationId}': consistent." : $"Organization '{r.organizationId}': {r.problems.Count} problem(s):",
                    }.Concat(r.problems.Select(p => "  " + p))
                     .Concat(repair ? [r.repairs.Count == 0 ? "Nothing changed." : $"Changed ({r.repairs.Count}):"] : [])
                     .Concat(r.repairs.Select(c => "  " + c)))).ConfigureAwait(false);
                return check.Problems.Count > 0 && !repair ? ExitCodes.Conflict : code;
            }

            case "token issue":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var expires = args.Expiry(time);
                var issued = await VaultAsync(() => new TokenIssuer(target.Tokens, time).IssueAsync(organization.Id, cancellationToken, expires)).ConfigureAwait(false);
                return await WriteAsync(options, new { organizationId = organization.Id, tokenId = issued.Record.TokenId, created = issued.Record.Created, expires = issued.Record.Expires, token = issued.Token },
                    t => $"Token {t.tokenId} for '{t.organizationId}'{(t.expires is { } end ? $", expires {end:u}" : string.Empty)} (shown once, store it as the Secret Token now):{Environment.NewLine}{t.token}").ConfigureAwait(false);
            }

            case "client create":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var client = await VaultAsync(() => new ClientRegistry(target.Tokens, time).CreateClientAsync(organization.Id, cancellationToken, args.Expiry(time))).ConfigureAwait(false);
                return await WriteAsync(options, new { organizationId = organization.Id, clientId = client.ClientId, clientSecret = client.ClientSecret, created = client.Record.Created, expires = client.Record.Expires },
                    c => $"OAuth client for '{c.organizationId}' (the secret is shown once; enter both in Entra ID with the token endpoint https://<app>/api/sch/oauth/token):"
                        + $"{Environment.NewLine}Client Identifier: {c.clientId}{Environment.NewLine}Client Secret:     {c.clientSecret}").ConfigureAwait(false);
            }

            case "client federate":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                string Required(string name) => args.Value(name) ?? throw new AdminException($"--{name} is required.{Environment.NewLine}{Usage}", ExitCodes.Usage);
                var federated = await VaultAsync(() => new ClientRegistry(target.Tokens, time).FederateAsync(organization.Id, Required("issuer"), Required("subject"), Required("audience"), cancellationToken)).ConfigureAwait(false);
                return await WriteAsync(options, federated, f => $"Federated client for '{f.OrganizationId}': enter this Client Identifier in Entra ID with the token endpoint https://<app>/api/sch/oauth/token:"
                    + $"{Environment.NewLine}{f.ClientId}{Environment.NewLine}Assertions must come from {f.Issuer}, name subject {f.Subject} and audience {f.Audience}.").ConfigureAwait(false);
            }

            case "client revoke":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var clientId = args.Word(3, "client-id");
                var tokenId = await VaultAsync(async () =>
                {
                    await foreach (var record in target.Tokens.ListAsync(organization.Id, cancellationToken).ConfigureAwait(false))
                    {
                        if (string.Equals(record.ClientId, clientId, StringComparison.Ordinal))
                        {
                            return record.TokenId;
                        }
                    }

                    return null;
                }).ConfigureAwait(false) ?? throw new AdminException($"Organization '{organization.Id}' has no client '{clientId}'.", ExitCodes.NotFound);
                await VaultAsync(() => target.Tokens.RevokeAsync(organization.Id, tokenId, cancellationToken)).ConfigureAwait(false);
                return await WriteAsync(options, new { organizationId = organization.Id, clientId, status = "revoked" },
                    c => $"Revoked client {c.clientId} of '{c.organizationId}': no new access tokens; issued ones stop within the token cache time.").ConfigureAwait(false);
            }

            case "token list":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var tokens = await VaultAsync(async () =>
                {
                    var list = new List<object>();
                    await foreach (var record in target.Tokens.ListAsync(organization.Id, cancellationToken).ConfigureAwait(false))
                    {
                        list.Add(new
                        {
                            tokenId = record.TokenId,
                            kind = record.ClientId is null ? "token" : "oauth client",
                            clientId = record.ClientId,
                            created = record.Created,
                            expires = record.Expires,
                            status = record.Revoked ? "revoked" : record.IsUsableAt(time.GetUtcNow()) ? "active" : "expired",
                        });
                    }

                    return list;
                }).ConfigureAwait(false);

                return await WriteAsync(options, tokens, list => list.Count == 0
                    ? $"Organization '{organization.Id}' has no tokens."
                    : string.Join(Environment.NewLine, list.Select(t => JsonSerializer.Serialize(t, JsonOutput).Replace(Environment.NewLine, " ", StringComparison.Ordinal)))).ConfigureAwait(false);
            }

            case "token revoke":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var tokenId = args.Word(3, "token-id");
                if (!await VaultAsync(() => target.Tokens.RevokeAsync(organization.Id, tokenId, cancellationToken)).ConfigureAwait(false))
                {
                    throw new AdminException($"Organization '{organization.Id}' has no token '{tokenId}'.", ExitCodes.NotFound);
                }

                return await WriteAsync(options, new { organizationId = organization.Id, tokenId, status = "revoked" },
                    t => $"Revoked token {t.tokenId} of '{t.organizationId}'. Running instances stop accepting it within their token cache time.").ConfigureAwait(false);
            }

            case "user create":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var source = args.Value("source") switch
                {
                    "manual" => UserSource.Manual,
                    "jit" => UserSource.Jit,
                    var other => throw new AdminException($"--source must be manual or jit, not '{other}'.", ExitCodes.Usage),
                };
                var body = new JsonObject
                {
                    ["userName"] = args.Value("user-name") ?? throw new AdminException("--user-name is required.", ExitCodes.Usage),
                    ["displayName"] = args.Value("display-name"),
                    ["name"] = new JsonObject { ["givenName"] = args.Value("given-name"), ["familyName"] = args.Value("family-name") },
                    ["emails"] = args.Value("email") is { } email ? new JsonArray(new JsonObject { ["value"] = email, ["type"] = "work", ["primary"] = true }) : null,
                    ["active"] = true,
                };
                var result = await Users(target, organizations).CreateUnmanagedAsync(Context(organization.Id), body, source, cancellationToken).ConfigureAwait(false);
                Check(result);
                return await WriteAsync(options, result.Body!, u => $"Created {source.ToString().ToLowerInvariant()} user {u["id"]} ({u["userName"]}) in '{organization.Id}'; an identity provider's lookup by userName or email will link to it.").ConfigureAwait(false);
            }

            case "user list" when args.Has("deleted"):
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var deleted = (await Users(target, organizations).ListDeletedAsync(organization.Id, cancellationToken).ConfigureAwait(false))
                    .Select(d => new { id = d.Id, userName = d.UserName, externalId = d.ExternalId, deleted = d.Deleted }).ToList();
                return await WriteAsync(options, deleted, list => list.Count == 0
                    ? $"No deleted users in '{organization.Id}'."
                    : string.Join(Environment.NewLine, list.Select(d => $"{d.id}  {d.userName,-40} externalId {d.externalId ?? "-"}  deleted {d.deleted:u}"))).ConfigureAwait(false);
            }

            case "user restore":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var userId = args.Word(3, "user-id");
                Check(await Users(target, organizations).RestoreAsync(Context(organization.Id), userId, cancellationToken).ConfigureAwait(false));
                return await WriteAsync(options, new { organizationId = organization.Id, userId, status = "restored" },
                    d => $"Restored user {d.userId} of '{d.organizationId}'.").ConfigureAwait(false);
            }

            case "org set-restore":
            {
                var id = args.Word(2, "org-id");
                var text = args.Word(3, "on|off");
                var restore = text switch
                {
                    "on" => true,
                    "off" => false,
                    _ => throw new AdminException($"set-restore takes on or off, not '{text}'.", ExitCodes.Usage),
                };
                var organization = await organizations.SetRestoreAsync(id, restore, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);
                return await WriteAsync(options, organization, o => $"Organization '{o.Id}': restore of deleted users {(o.RestoreDeletedUsers ? "on" : "off")}.").ConfigureAwait(false);
            }

            case "user list":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var users = Users(target, organizations);
                var all = new JsonArray();
                var cursor = string.Empty;
                while (cursor is not null)
                {
                    var page = await users.ListAsync(Context(organization.Id), new ListRequest { Filter = args.Value("filter"), Cursor = cursor, Count = 500 }, cancellationToken).ConfigureAwait(false);
                    Check(page);
                    foreach (var user in page.Body!["Resources"]!.AsArray())
                    {
                        all.Add(user!.DeepClone());
                    }

                    cursor = page.Body["nextCursor"]?.GetValue<string>();
                }

                return await WriteAsync(options, all, list => list.Count == 0
                    ? $"No users in '{organization.Id}'."
                    : string.Join(Environment.NewLine, list.Select(u => $"{u!["id"]}  {u["userName"],-40} active {u["active"]?.ToString() ?? "true"}  externalId {u["externalId"]?.ToString() ?? "-"}"))).ConfigureAwait(false);
            }

            case "user delete":
            {
                var organization = await RequireAsync(organizations, args.Word(2, "org-id"), cancellationToken).ConfigureAwait(false);
                var userId = args.Word(3, "user-id");
                Check(await Users(target, organizations).DeleteAsync(Context(organization.Id), userId, ifMatch: null, cancellationToken).ConfigureAwait(false));
                return await WriteAsync(options, new { organizationId = organization.Id, userId, status = "deleted" },
                    d => $"Deleted user {d.userId} of '{d.organizationId}' (restorable with 'scim-admin user restore {d.organizationId} {d.userId}' until the retention period ends).").ConfigureAwait(false);
            }

            default:
                throw new AdminException($"Unknown command '{command}'.{Environment.NewLine}{Usage}", ExitCodes.Usage);
        }
    }

    /// <summary>
    /// The services the endpoint runs, composed the same way, with the extension schemas the deployment configures
    /// (<c>Scim__Extensions__…</c> in the environment, as in the app settings).
    /// </summary>
    private ProvisioningServices Services(AdminTarget target) =>
        new(target.Table, registry ?? ScimSchemaRegistry.Default, new ProvisioningOptions(), time, NullLoggerFactory.Instance);

    private UserService Users(AdminTarget target, OrganizationStore organizations) => Services(target).Users;

    private static ScimRequestContext Context(string organization) => new(organization, "https://scim.invalid/api/sch/scim/v2");

    private static void Check(ScimResult result)
    {
        if (result.Error is { } error)
        {
            throw new AdminException(error.Detail, error.Status switch { 404 => ExitCodes.NotFound, 409 => ExitCodes.Conflict, 403 => ExitCodes.Forbidden, _ => ExitCodes.Usage });
        }
    }

    private static async Task<Organization> RequireAsync(OrganizationStore organizations, string id, CancellationToken cancellationToken) =>
        await organizations.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);

    private static AdminException NotFound(string id) =>
        new($"Organization '{id}' does not exist (see 'org list').", ExitCodes.NotFound);

    private static string Seats(Organization organization) =>
        organization.MaxSeats is { } max ? $"{organization.ActiveUsers} of {max}" : "no limit";

    private static int ParseSeats(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seats)
            ? seats
            : throw new AdminException($"The seat limit must be a whole number or 'none', not '{text}'.", ExitCodes.Usage);

    private async Task<int> WriteAsync<T>(AdminOptions options, T value, Func<T, string> text)
    {
        await output.WriteLineAsync(options.Json ? JsonSerializer.Serialize(value, JsonOutput) : text(value)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>A Key Vault call, with its refusals and outages explained.</summary>
    private static async Task<T> VaultAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException { Status: 401 or 403 }
            || e.InnerException is RequestFailedException { Status: 401 or 403 })
        {
            throw new AdminException(
                "Key Vault refused the request: your identity needs the 'Key Vault Secrets Officer' role on the vault (azd up grants it to the deploying principal; new role assignments take a few minutes).",
                ExitCodes.Forbidden);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or TokenStoreUnavailableException)
        {
            throw new AdminException("Key Vault is not reachable: check the vault URI and your network.", ExitCodes.Unavailable);
        }
    }

    /// <summary>Failures of Azure explained with what to do, without stack traces.</summary>
    private static AdminException? Describe(Exception e) => e switch
    {
        RequestFailedException { Status: 401 or 403 } => new(
            "Table Storage refused the request: your identity needs the 'Storage Table Data Contributor' role on the storage account (azd up grants it to the deploying principal; new role assignments take a few minutes).",
            ExitCodes.Forbidden),
        AuthenticationFailedException or CredentialUnavailableException => new(
            "Could not sign in to Azure: run 'az login' (or 'azd auth login') first.", ExitCodes.Forbidden),
        RequestFailedException { Status: 404, ErrorCode: "TableNotFound" } => new(
            "The SCIM table does not exist at this endpoint: deploy with 'azd up' (it declares the table), or check --table-name.", ExitCodes.NotFound),
        StorageUnavailableException or RequestFailedException { Status: 0 or >= 500 } or HttpRequestException => new("Table Storage is not reachable: check the table endpoint (or start Azurite for --local).", ExitCodes.Unavailable),
        ArgumentException argument => new(argument.Message, ExitCodes.Usage),
        RequestFailedException other => new($"Azure refused the request: {other.Status} {other.ErrorCode}.", ExitCodes.Unavailable),
        _ => null,
    };

    private sealed class Arguments
    {
        private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "json", "local", "azd", "help", "all", "yes", "deleted" };

        /// <summary>Every option with a value that some command reads.</summary>
        private static readonly HashSet<string> Valued = new(StringComparer.Ordinal)
        {
            "vault-uri", "table-endpoint", "table-name", "connection-string", "token-store",
            "name", "max-seats", "source", "user-name", "email", "given-name", "family-name", "display-name", "filter", "expires", "issuer", "subject", "audience",
            "since", "code", "user", "users", "percent", "minutes",
        };

        public void RefuseUnknownOptions()
        {
            foreach (var name in _values.Keys)
            {
                if (!Flags.Contains(name) && !Valued.Contains(name))
                {
                    throw new AdminException($"Unknown option --{name}.{Environment.NewLine}{Usage}", ExitCodes.Usage);
                }
            }
        }
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public List<string> Words { get; } = [];

        public static Arguments Parse(string[] args)
        {
            var parsed = new Arguments();
            for (var i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    parsed.Words.Add(args[i]);
                    continue;
                }

                var name = args[i][2..];
                if (Flags.Contains(name))
                {
                    parsed._values[name] = "true";
                }
                else if (i + 1 < args.Length)
                {
                    parsed._values[name] = args[++i];
                }
                else
                {
                    throw new AdminException($"--{name} needs a value.", ExitCodes.Usage);
                }
            }

            return parsed;
        }

        public bool Has(string name) => _values.ContainsKey(name);

        public string? Value(string name) => _values.GetValueOrDefault(name);

        public string Word(int index, string what) =>
            index < Words.Count ? Words[index] : throw new AdminException($"Missing {what}.{Environment.NewLine}{Usage}", ExitCodes.Usage);

        public int? Seats(string name) => Value(name) is { } text ? ParseSeats(text) : null;

        /// <summary><c>--since</c> as a duration back from now (<c>15m</c>, <c>1h</c>, <c>2d</c>).</summary>
        public DateTimeOffset Since(TimeProvider time, string fallback)
        {
            var text = Value("since") ?? fallback;
            var unit = text.Length > 1 ? text[^1] : ' ';
            if (int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0 && unit is 'm' or 'h' or 'd')
            {
                return time.GetUtcNow() - (unit switch { 'm' => TimeSpan.FromMinutes(amount), 'h' => TimeSpan.FromHours(amount), _ => TimeSpan.FromDays(amount) });
            }

            throw new AdminException($"--since takes a duration such as 15m, 1h or 2d, not '{text}'.", ExitCodes.Usage);
        }

        /// <summary><c>--expires</c> as a number of days (<c>365d</c>) or a UTC date; null when not given.</summary>
        public DateTimeOffset? Expiry(TimeProvider time)
        {
            if (Value("expires") is not { } text)
            {
                return null;
            }

            if (text.EndsWith('d') && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 3650)
            {
                return time.GetUtcNow().AddDays(days);
            }

            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) && date > time.GetUtcNow()
                ? date
                : throw new AdminException($"--expires takes a number of days (365d) or a future UTC date, not '{text}'.", ExitCodes.Usage);
        }

        public AdminOptions Options() => new()
        {
            Json = Has("json"),
            Local = Has("local"),
            FromAzd = Has("azd"),
            VaultUri = Value("vault-uri"),
            TableEndpoint = Value("table-endpoint"),
            TableName = Value("table-name"),
            ConnectionString = Value("connection-string"),
            LocalTokenStore = Value("token-store"),
        };
    }
}
