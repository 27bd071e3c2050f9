using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// The use cases of users (RFC 7644 §3.3–§3.6): create (with adoption of unmanaged users and restore of deleted
/// ones), replace, patch, soft delete, restore, list and purge, over <see cref="IUserStore"/>. Each write runs in
/// <see cref="OptimisticWrite"/>: an attempt reads, decides and asks the store to commit; a stale read runs again.
/// </summary>
public sealed class UserService
{
    private readonly IUserStore store;
    private readonly ScimSchemaRegistry registry;
    private readonly ProvisioningOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<UserService> logger;

    internal UserService(IUserStore store, ScimSchemaRegistry registry, ProvisioningOptions options, TimeProvider time, ILogger<UserService> logger)
    {
        this.store = store;
        this.registry = registry;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    private ResourceTypeDefinition Users => registry.User;

    public Task<ScimResult> CreateAsync(ScimRequestContext context, JsonNode? body, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => CreateAsync(context, body, UserSource.Scim, cancellationToken));

    /// <summary>
    /// Creates a user that exists before SCIM provisioning (by hand or by just-in-time sign-in). An identity
    /// provider's lookup finds it, and its POST adopts it.
    /// </summary>
    public Task<ScimResult> CreateUnmanagedAsync(ScimRequestContext context, JsonNode? body, UserSource source, CancellationToken cancellationToken) =>
        source == UserSource.Scim
            ? throw new ArgumentOutOfRangeException(nameof(source), "Use CreateAsync for SCIM-managed users.")
            : ServiceErrors.Guard(() => CreateAsync(context, body, source, cancellationToken));

    public Task<ScimResult> GetAsync(ScimRequestContext context, string id, Projection projection, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(async () =>
        {
            var selection = AttributeSelection.Parse(Users, projection.Attributes, projection.ExcludedAttributes);
            var user = await store.FindAsync(context.OrganizationId, id, cancellationToken).ConfigureAwait(false);
            return user is null
                ? NotFound(id)
                : ScimResult.Ok(await RepresentAsync(context, user.Resource, selection, cancellationToken).ConfigureAwait(false), user.ETag);
        });

    public Task<ScimResult> ListAsync(ScimRequestContext context, ListRequest request, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => store.ListAsync(context, request, RepresentAsync, cancellationToken));

    /// <summary>PUT (RFC 7644 §3.5.1): the body replaces every writable attribute; immutable ones must not change.</summary>
    public Task<ScimResult> ReplaceAsync(ScimRequestContext context, string id, JsonNode? body, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var replacement = ResourceNormalizer.Normalize(body, Users);
            return UpdateAsync(context, id, ifMatch, Projection.Default, existing =>
            {
                ResourceRules.CheckImmutable(existing.Document, replacement, Users);
                var document = (JsonObject)replacement.DeepClone();
                IdentityProviderQuirks.KeepOmittedActive(existing.Document, document);
                return document;
            }, cancellationToken);
        });

    /// <summary>PATCH (RFC 7644 §3.5.2): all operations or none; 200 with the user.</summary>
    public Task<ScimResult> PatchAsync(ScimRequestContext context, string id, JsonNode? body, string? ifMatch, Projection projection, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var operations = PatchPlanner.Plan(PatchRequest.Parse(body), Users);
            return UpdateAsync(context, id, ifMatch, projection, existing =>
            {
                var outcome = PatchEngine.Apply(existing.Document, operations, Users);
                return outcome.Modified ? outcome.Resource : null;
            }, cancellationToken);
        });

    /// <summary>
    /// DELETE (docs/storage.md, "Deleted users"): the user is hidden from every read (404 by id, RFC 7644 §3.6), its
    /// userName and externalId stop blocking new users, its seat is freed, groups stop listing it, and it stays
    /// restorable for the retention period; 204. A DELETE that fails after the user is hidden leaves group-side rows
    /// of a deleted user, which a repeated DELETE removes before it answers 204 (else 404).
    /// </summary>
    public Task<ScimResult> DeleteAsync(ScimRequestContext context, string id, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var organization = context.OrganizationId;
            return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async attempt =>
            {
                var user = await store.FindAsync(organization, id, cancellationToken).ConfigureAwait(false);
                if (ResourceRows.RefuseChange(user?.Resource, "User", id, ifMatch) is { } refusal)
                {
                    return user is null && await store.FinishDeleteAsync(organization, id, cancellationToken).ConfigureAwait(false)
                        ? ScimResult.NoContent()
                        : refusal;
                }

                var facts = Facts(user!.Document);
                var delta = new CounterDelta(Users: -1, ActiveUsers: facts.Active ? -1 : 0, UnmanagedUsers: user.Source != UserSource.Scim ? -1 : 0);
                var deleted = ChangeEvent.Create(time, ChangeEventTypes.UserDeleted, organization, "User", id, facts.ExternalId, facts.UserName, [], user.Version);
                return Settle(organization, await store.DeleteAsync(organization, user, facts, delta, deleted, attempt, cancellationToken).ConfigureAwait(false), delta) switch
                {
                    UserWrite.Committed => ScimResult.NoContent() with { Effect = ChangeEventTypes.UserDeleted },
                    var other => Refusal(other),
                };
            }, cancellationToken);
        });

    /// <summary>
    /// <c>scim-admin user restore</c>: restores a deleted user by id with its stored attributes; 404 when there is no
    /// deleted user of that id.
    /// </summary>
    public Task<ScimResult> RestoreAsync(ScimRequestContext context, string id, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
        {
            if (await store.FindDeletedAsync(context.OrganizationId, id, cancellationToken).ConfigureAwait(false) is not { } deleted)
            {
                return ScimError.NotFound($"No deleted user '{id}'.");
            }

            var organization = await store.OrganizationAsync(context.OrganizationId, cancellationToken).ConfigureAwait(false);
            return await RestoreAsync(context, organization, deleted, deleted.User.Document, cancellationToken).ConfigureAwait(false);
        }, cancellationToken));

    /// <summary>The deleted users of an organization that are still restorable, for <c>scim-admin user list --deleted</c>.</summary>
    public async Task<List<(string Id, string? UserName, string? ExternalId, DateTimeOffset Deleted)>> ListDeletedAsync(string organization, CancellationToken cancellationToken)
    {
        var deleted = new List<(string, string?, string?, DateTimeOffset)>();
        await foreach (var user in store.DeletedAsync(organization, cancellationToken).ConfigureAwait(false))
        {
            var facts = Facts(user.User.Document);
            deleted.Add((user.Id, facts.UserName, facts.ExternalId, user.Deleted));
        }

        return deleted;
    }

    /// <summary>
    /// Removes the deleted users whose retention period is over (rows, match rows, user-side memberships), at most
    /// <paramref name="limit"/> per call, each with a <c>user.purged</c> event; returns how many.
    /// </summary>
    public async Task<int> PurgeExpiredAsync(string organization, int limit, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.DeletedRetentionDays);
        var expired = new List<DeletedUser>();
        await foreach (var user in store.DeletedAsync(organization, cancellationToken).ConfigureAwait(false))
        {
            if (user.Deleted < cutoff)
            {
                expired.Add(user);
                if (expired.Count == limit)
                {
                    break;
                }
            }
        }

        var purged = 0;
        foreach (var user in expired)
        {
            var facts = Facts(user.User.Document);
            var purgedEvent = ChangeEvent.Create(time, ChangeEventTypes.UserPurged, organization, "User", user.Id, facts.ExternalId, facts.UserName, [], user.User.Version);
            purged += await store.PurgeAsync(organization, user, purgedEvent, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return purged;
    }

    private Task<ScimResult> CreateAsync(ScimRequestContext context, JsonNode? body, UserSource source, CancellationToken cancellationToken)
    {
        var document = ResourceNormalizer.Normalize(body, Users);
        var facts = Facts(document);
        var attempt = new CreateAttempt();
        return OptimisticWrite.RunAsync(options.MaxWriteAttempts, _ => TryCreateAsync(context, document, facts, source, attempt, cancellationToken), cancellationToken);
    }

    /// <summary>What one attempt at a create learned for the next.</summary>
    private sealed class CreateAttempt
    {
        /// <summary>A deleted user with this userName and externalId may exist: look for it to restore, and stop probing.</summary>
        public bool DeletedUserMayMatch { get; set; }
    }

    /// <summary>One attempt at a create; null when it lost a race and must be retried.</summary>
    private async Task<ScimResult?> TryCreateAsync(ScimRequestContext context, JsonObject document, UserFacts facts, UserSource source, CreateAttempt attempt, CancellationToken cancellationToken)
    {
        var organizationId = context.OrganizationId;
        var organization = await store.OrganizationAsync(organizationId, cancellationToken).ConfigureAwait(false);
        var settings = organization.Settings;

        // Unmanaged users are counted on the organization row only, so this count is exact.
        if (source == UserSource.Scim && settings.UnmanagedUsers > 0)
        {
            var adoptable = await FindAdoptableAsync(organizationId, facts, settings.Adoption, cancellationToken).ConfigureAwait(false);
            if (adoptable is { } match)
            {
                var adopted = await AdoptAsync(context, organization, match.User, document, cancellationToken).ConfigureAwait(false);
                return adopted is null ? null : adopted with { Note = $"adopted:{match.MatchedBy}" };
            }
        }

        // A POST of a user deleted within the retention period (same userName and externalId) restores it; a previous
        // attempt learned that one may exist.
        if (attempt.DeletedUserMayMatch && settings.RestoreDeletedUsers && facts.ExternalId is { } externalId
            && await store.FindRestorableAsync(organizationId, facts.UserName, externalId, cancellationToken).ConfigureAwait(false) is { } restorable
            && restorable.Deleted + TimeSpan.FromDays(options.DeletedRetentionDays) > time.GetUtcNow())
        {
            return await RestoreAsync(context, organization, restorable, document, cancellationToken).ConfigureAwait(false);
        }

        var id = Guid.NewGuid().ToString();
        var delta = new CounterDelta(Users: 1, ActiveUsers: facts.Active ? 1 : 0, UnmanagedUsers: source == UserSource.Scim ? 0 : 1);
        var created = ChangeEvent.Create(time, ChangeEventTypes.UserCreated, organizationId, "User", id, facts.ExternalId, facts.UserName, DocumentChanges.AttributeNames(document), 1);
        var written = await store.CreateAsync(organization, new NewUser(id, document, facts, source), delta, created,
            probeDeletedUsers: source == UserSource.Scim && !attempt.DeletedUserMayMatch, cancellationToken).ConfigureAwait(false);
        switch (Settle(organizationId, written, delta))
        {
            case UserWrite.Committed { User: var user }:
                var representation = await RepresentAsync(context, user.Resource, AttributeSelection.Default(Users), cancellationToken).ConfigureAwait(false);
                return ScimResult.Created(representation, Location(context, id), user.ETag) with { Effect = ChangeEventTypes.UserCreated };
            case UserWrite.DeletedUserMayMatch:
                // The next attempt restores the one deleted user it names, or else creates without probing again.
                attempt.DeletedUserMayMatch = true;
                return null;
            case UserWrite.UserNameTaken { HolderUnmanaged: true } when source == UserSource.Scim && settings.Adoption != AdoptionRule.Off:
                // An unmanaged holder of the userName is adopted on the next attempt.
                return null;
            case var other:
                return Refusal(other);
        }
    }

    /// <summary>
    /// Restores a deleted user: same id, the given document (a POST's attributes, or the stored ones for
    /// <c>scim-admin user restore</c>), a new version, its index rows, its seat (seats permitting), and its groups back;
    /// 201. Null when a concurrent change got there first (the attempt runs again).
    /// </summary>
    private async Task<ScimResult?> RestoreAsync(ScimRequestContext context, OrganizationState organization, DeletedUser deleted, JsonObject document, CancellationToken cancellationToken)
    {
        var organizationId = context.OrganizationId;
        var facts = Facts(document);
        var delta = new CounterDelta(Users: 1, ActiveUsers: facts.Active ? 1 : 0, UnmanagedUsers: deleted.User.Source == UserSource.Scim ? 0 : 1);
        var restored = ChangeEvent.Create(time, ChangeEventTypes.UserRestored, organizationId, "User", deleted.Id, facts.ExternalId, facts.UserName,
            DocumentChanges.AttributeNames(document), deleted.User.Version + 1);
        var written = await store.RestoreAsync(organization, deleted, document, facts, delta, restored, cancellationToken).ConfigureAwait(false);
        if (Settle(organizationId, written, delta) is not UserWrite.Committed { User: var user })
        {
            return Refusal(written);
        }

        var representation = await RepresentAsync(context, user.Resource, AttributeSelection.Default(Users), cancellationToken).ConfigureAwait(false);
        return ScimResult.Created(representation, Location(context, deleted.Id), user.ETag) with { Note = "restored", Effect = ChangeEventTypes.UserRestored };
    }

    /// <summary>
    /// A user created by hand or by JIT sign-in that a POST links to under the organization's rule: the same userName
    /// (case-insensitively), or, with <see cref="AdoptionRule.UserNameOrEmail"/>, the POST's primary (else work) email
    /// equal to the existing user's primary or work email. Any other address (one a person may edit in the identity
    /// provider) never links. A SCIM-managed match by userName is left to the uniqueness check (409).
    /// </summary>
    private async Task<(StoredUser User, string MatchedBy)?> FindAdoptableAsync(string organization, UserFacts facts, AdoptionRule rule, CancellationToken cancellationToken)
    {
        if (rule == AdoptionRule.Off)
        {
            return null;
        }

        if (await store.FindIdByUserNameAsync(organization, facts.UserName, cancellationToken).ConfigureAwait(false) is { } byName
            && await store.FindAsync(organization, byName, cancellationToken).ConfigureAwait(false) is { } named)
        {
            return named.Source != UserSource.Scim ? (named, "userName") : null;
        }

        if (rule != AdoptionRule.UserNameOrEmail || facts.PreferredEmail is not { } email)
        {
            return null;
        }

        foreach (var id in (await store.FindIdsByEmailAsync(organization, email, cancellationToken).ConfigureAwait(false)).Distinct(StringComparer.Ordinal))
        {
            var user = await store.FindAsync(organization, id, cancellationToken).ConfigureAwait(false);
            if (user is not null && user.Source != UserSource.Scim && Facts(user.Document).LinkableEmails.Contains(email))
            {
                return (user, "email");
            }
        }

        return null;
    }

    /// <summary>
    /// Adoption: the existing user keeps its id and data, takes the identity provider's attributes and
    /// externalId, and becomes SCIM-managed. Null when a concurrent change got there first.
    /// </summary>
    private async Task<ScimResult?> AdoptAsync(ScimRequestContext context, OrganizationState organization, StoredUser existing, JsonObject incoming, CancellationToken cancellationToken)
    {
        var merged = (JsonObject)existing.Document.DeepClone();
        foreach (var (key, value) in incoming)
        {
            if (key == "schemas" || value is null)
            {
                continue;
            }

            if (value is JsonObject extension && merged[key] is JsonObject current && key.StartsWith(ScimConstants.UrnPrefix, StringComparison.Ordinal))
            {
                foreach (var (name, attribute) in extension)
                {
                    current[name] = attribute?.DeepClone();
                }
            }
            else
            {
                merged[key] = value.DeepClone();
            }
        }

        var document = ResourceNormalizer.Normalize(merged, Users);
        var replacement = new UserReplacement(existing, document, Facts(existing.Document), Facts(document), UserSource.Scim);
        var written = await WriteAsync(context.OrganizationId, organization, replacement, cancellationToken).ConfigureAwait(false);
        if (written is not UserWrite.Committed { User: var user })
        {
            return Refusal(written);
        }

        var representation = await RepresentAsync(context, user.Resource, AttributeSelection.Default(Users), cancellationToken).ConfigureAwait(false);
        return ScimResult.Created(representation, Location(context, existing.Id), user.ETag);
    }

    private Task<ScimResult> UpdateAsync(
        ScimRequestContext context,
        string id,
        string? ifMatch,
        Projection projection,
        Func<StoredUser, JsonObject?> change,
        CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var selection = AttributeSelection.Parse(Users, projection.Attributes, projection.ExcludedAttributes);
        return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
        {
            // If-Match is checked again on every attempt.
            var user = await store.FindAsync(organization, id, cancellationToken).ConfigureAwait(false);
            if (ResourceRows.RefuseChange(user?.Resource, "User", id, ifMatch) is { } refused)
            {
                return refused;
            }

            var document = change(user!);
            if (document is null)
            {
                // Nothing changed: no write, same version.
                return ScimResult.Ok(await RepresentAsync(context, user!.Resource, selection, cancellationToken).ConfigureAwait(false), user.ETag);
            }

            var replacement = new UserReplacement(user!, document, Facts(user!.Document), Facts(document), user.Source);
            var transition = IdentityProviderQuirks.EntraSoftDeleteTransition(replacement.Before.UserName, replacement.After.UserName);
            switch (await WriteAsync(organization, null, replacement, cancellationToken).ConfigureAwait(false))
            {
                case UserWrite.Committed { User: var written, Effect: var effect }:
                    return ScimResult.Ok(await RepresentAsync(context, written.Resource, selection, cancellationToken).ConfigureAwait(false), written.ETag)
                        with { Note = transition, Effect = effect };
                case UserWrite.UserNameTaken { HolderId: var holder } when transition == IdentityProviderQuirks.IdpRestore:
                    return ScimError.Uniqueness(
                        $"Entra ID is restoring this soft-deleted user to its original userName, which user {holder} now holds. "
                        + $"If {holder} is a duplicate created while this user was deleted, remove it with 'scim-admin user delete {organization} {holder}' "
                        + "and let Entra ID retry; otherwise give one of them another userName in Entra ID.");
                case var other:
                    return Refusal(other);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Replaces a user's document with its event (updated, activated or deactivated), counting the activation change
    /// and an unmanaged user becoming managed.
    /// </summary>
    private async Task<UserWrite> WriteAsync(string organizationId, OrganizationState? organization, UserReplacement replacement, CancellationToken cancellationToken)
    {
        var (existing, document, before, after, source) = replacement;
        var becomesManaged = existing.Source != UserSource.Scim && source == UserSource.Scim;
        var delta = new CounterDelta(ActiveUsers: (after.Active ? 1 : 0) - (before.Active ? 1 : 0), UnmanagedUsers: becomesManaged ? -1 : 0);
        var type = before.Active == after.Active ? ChangeEventTypes.UserUpdated : after.Active ? ChangeEventTypes.UserActivated : ChangeEventTypes.UserDeactivated;
        var change = ChangeEvent.Create(time, type, organizationId, "User", existing.Id, after.ExternalId, after.UserName,
            DocumentChanges.Changed(existing.Document, document), existing.Version + 1);
        var written = await store.ReplaceAsync(organizationId, organization, replacement, delta, change, cancellationToken).ConfigureAwait(false);
        return Settle(organizationId, written, delta);
    }

    /// <summary>After a write: the seats it knew exactly are logged.</summary>
    private UserWrite Settle(string organization, UserWrite written, CounterDelta delta)
    {
        if (written is UserWrite.Committed { Seats: { } seats } && delta.ActiveUsers != 0)
        {
            ProvisioningLog.SeatUsage(logger, organization, seats.Active, seats.Max);
        }

        return written;
    }

    /// <summary>The answer to a write that did not commit: null (run the attempt again) or the error, the one mapping.</summary>
    private static ScimResult? Refusal(UserWrite written) => written switch
    {
        UserWrite.SeatLimitReached { Error: var error } => (ScimResult)error,
        UserWrite.UserNameTaken => (ScimResult)ScimError.Uniqueness("A user with this userName already exists in the organization."),
        _ => null,
    };

    private async Task<JsonObject> RepresentAsync(ScimRequestContext context, StoredResource user, AttributeSelection selection, CancellationToken cancellationToken)
    {
        var representation = user.ToRepresentation(Users.Name, Location(context, user.Id));
        if (selection.Returns(Users.Resolve(null, "groups")!))
        {
            var groups = await store.GroupsOfAsync(context.OrganizationId, user.Id, cancellationToken).ConfigureAwait(false);
            if (groups.Count > 0)
            {
                representation["groups"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject
                {
                    ["value"] = g.Id,
                    ["$ref"] = $"{context.BaseUrl}/Groups/{g.Id}",
                    ["display"] = g.DisplayName,
                    ["type"] = "direct",
                })]);
            }
        }

        return selection.Apply(representation);
    }

    private UserFacts Facts(JsonObject document) => UserFacts.From(document, options.MaxIndexedEmails);

    private static string Location(ScimRequestContext context, string id) => $"{context.BaseUrl}/Users/{id}";

    private static ScimError NotFound(string id) => ResourceRows.NotFound("User", id);
}
