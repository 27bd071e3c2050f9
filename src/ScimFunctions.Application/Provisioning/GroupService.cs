using System.Text.Json.Nodes;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// The use cases of groups: create with members, replace, patch (member operations are membership changes, the
/// others apply to the group document), delete, list, over <see cref="IGroupStore"/>. Member semantics are the
/// core's (<see cref="MemberChange"/>); a membership change of any size finishes or is finished by whoever finds it
/// unfinished.
/// </summary>
public sealed class GroupService
{
    private const string Members = "members";

    /// <summary>Up to this many members to add, their users are read together with the group (else after the diff).</summary>
    private const int PrefetchedUsers = 50;

    private readonly IGroupStore store;
    private readonly ScimSchemaRegistry registry;
    private readonly ProvisioningOptions options;
    private readonly TimeProvider time;
    private readonly OrganizationWriteGate gate;

    internal GroupService(IGroupStore store, ScimSchemaRegistry registry, ProvisioningOptions options, TimeProvider time, OrganizationWriteGate gate)
    {
        this.store = store;
        this.registry = registry;
        this.options = options;
        this.time = time;
        this.gate = gate;
    }

    private ResourceTypeDefinition Groups => registry.Group;

    /// <summary>
    /// POST: the group, its index rows, a counter and its members. A retry of the same request (same document and
    /// members) whose group exists unchanged since it was created, with its membership change unfinished, answers 201
    /// with that group once it finished the change, instead of 409 on its own half-finished create.
    /// </summary>
    public Task<ScimResult> CreateAsync(ScimRequestContext context, JsonNode? body, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => WithMembershipTimeLimitAsync(async token =>
        {
            var organization = context.OrganizationId;
            var document = ResourceNormalizer.Normalize(body, Groups);
            var requested = TakeMembers(document);
            var facts = GroupFacts.From(document);
            var request = CreateHash(document, requested);
            var members = await ResolveMembersAsync(organization, requested, token).ConfigureAwait(false);
            return await OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
            {
                var id = Guid.NewGuid().ToString();
                var created = ChangeEvent.Create(time, ChangeEventTypes.GroupCreated, organization, "Group", id, facts.ExternalId, facts.DisplayName, DocumentChanges.AttributeNames(document), 1);
                switch (await store.CreateAsync(organization, new NewGroup(id, document, facts, request), new MembershipPlan(members, []), created, token).ConfigureAwait(false))
                {
                    case GroupWrite.Committed { Group: var group }:
                        var representation = await RepresentAsync(context, group.Resource, AttributeSelection.Default(Groups), token).ConfigureAwait(false);
                        return ScimResult.Created(representation, Location(context, id), group.ETag);
                    case GroupWrite.DisplayNameTaken { HolderId: var holder }:
                        return await RetriedCreateAsync(context, holder, request, token).ConfigureAwait(false);
                    default:
                        return null;
                }
            }, token).ConfigureAwait(false);
        }));

    /// <summary>
    /// After a create's conflict on the displayName: the holder, if it was created by this very request (an earlier
    /// attempt), not changed since and its membership change still unfinished, is the answer once finished; any other
    /// holder is a 409, also a finished group of the same request (a duplicate POST, as RFC 7644 §3.3 wants it: the
    /// client cannot be told apart from one whose answer was lost). A holder gone meanwhile runs the create again (null).
    /// </summary>
    private async Task<ScimResult?> RetriedCreateAsync(ScimRequestContext context, string holderId, string request, CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var holder = await store.FindAsync(organization, holderId, cancellationToken).ConfigureAwait(false);
        if (holder is null)
        {
            return null;
        }

        if (holder.Version != 1 || !holder.Pending || !string.Equals(holder.CreateRequest, request, StringComparison.Ordinal))
        {
            return DuplicateName();
        }

        await store.FinishPendingAsync(organization, holderId, cancellationToken).ConfigureAwait(false);

        var representation = await RepresentAsync(context, holder.Resource, AttributeSelection.Default(Groups), cancellationToken).ConfigureAwait(false);
        return ScimResult.Created(representation, Location(context, holderId), holder.ETag) with { Note = "retriedCreate" };
    }

    /// <summary>
    /// Membership writes run under their own time limit (<see cref="ProvisioningOptions.MembershipTimeLimitSeconds"/>),
    /// not the request's: a client that gives up does not stop a change half-way. Past the limit the answer is 503
    /// with Retry-After; what was not written yet stays recorded in the group's intent and is finished by the retry.
    /// </summary>
    private async Task<ScimResult> WithMembershipTimeLimitAsync(Func<CancellationToken, Task<ScimResult>> operation)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(options.MembershipTimeLimitSeconds), time);
        try
        {
            return await operation(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            throw new StorageUnavailableException(
                $"The membership change did not finish within {options.MembershipTimeLimitSeconds} s; what remains is recorded and the retry finishes it.");
        }
    }

    private static string CreateHash(JsonObject document, List<Member> members)
    {
        var text = document.ToJsonString(ScimJson.Options) + "\n" + string.Join('\n', members.Select(m => m.Id).Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    public Task<ScimResult> GetAsync(ScimRequestContext context, string id, Projection projection, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(async () =>
        {
            var selection = AttributeSelection.Parse(Groups, projection.Attributes, projection.ExcludedAttributes);
            var group = await store.FindAsync(context.OrganizationId, id, cancellationToken).ConfigureAwait(false);
            return group is null
                ? NotFound(id)
                : ScimResult.Ok(await RepresentAsync(context, group.Resource, selection, cancellationToken).ConfigureAwait(false), group.ETag);
        });

    public Task<ScimResult> ListAsync(ScimRequestContext context, ListRequest request, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => store.ListAsync(context, request, RepresentAsync, EvaluableAsync, cancellationToken));

    /// <summary>PUT: displayName, externalId and the whole member list are replaced.</summary>
    public Task<ScimResult> ReplaceAsync(ScimRequestContext context, string id, JsonNode? body, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var document = ResourceNormalizer.Normalize(body, Groups);
            var change = MemberChange.ReplaceWith(TakeMembers(document));
            return WithMembershipTimeLimitAsync(token => UpdateAsync(context, id, ifMatch, Projection.Default, alwaysRespond: true, change, _ => document, token));
        });

    /// <summary>
    /// PATCH: member operations become membership changes, the others apply to the group document. 204, or 200
    /// with the group when <c>attributes</c> was asked for.
    /// </summary>
    public Task<ScimResult> PatchAsync(ScimRequestContext context, string id, JsonNode? body, string? ifMatch, Projection projection, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var (members, otherOperations) = MemberChange.Split(PatchPlanner.Plan(PatchRequest.Parse(body), Groups));
            var respond = projection.Attributes is not null;
            return WithMembershipTimeLimitAsync(token => UpdateAsync(context, id, ifMatch, projection, respond, members, group =>
                otherOperations.Count == 0 ? null : PatchEngine.Apply(group.Document, otherOperations, Groups) is { Modified: true } outcome ? outcome.Resource : null,
                token));
        });

    /// <summary>
    /// DELETE: the group with its index rows and counter, then its memberships; 204. A DELETE that fails never leaves a
    /// live group stripped of its members; what may remain is memberships of the deleted group, which a repeated DELETE
    /// removes before it answers 204.
    /// </summary>
    public Task<ScimResult> DeleteAsync(ScimRequestContext context, string id, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var organization = context.OrganizationId;
            return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
            {
                var group = await store.FindAsync(organization, id, cancellationToken).ConfigureAwait(false);
                if (ResourceRows.RefuseChange(group?.Resource, "Group", id, ifMatch) is { } refused)
                {
                    return group is null && await store.FinishDeleteAsync(organization, id, cancellationToken).ConfigureAwait(false)
                        ? ScimResult.NoContent()
                        : refused;
                }

                var facts = GroupFacts.From(group!.Document);
                var deleted = ChangeEvent.Create(time, ChangeEventTypes.GroupDeleted, organization, "Group", id, facts.ExternalId, facts.DisplayName, [], group.Version);
                return await store.DeleteAsync(organization, group, deleted, cancellationToken).ConfigureAwait(false) is GroupWrite.Committed
                    ? ScimResult.NoContent()
                    : null;
            }, cancellationToken);
        });

    private Task<ScimResult> UpdateAsync(
        ScimRequestContext context,
        string id,
        string? ifMatch,
        Projection projection,
        bool alwaysRespond,
        MemberChange members,
        Func<StoredGroup, JsonObject?> change,
        CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var selection = AttributeSelection.Parse(Groups, projection.Attributes, projection.ExcludedAttributes);
        return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
        {
            // Changes of one group queue within this instance (Okta and Entra send many member PATCHes of one group at
            // once): across instances the group's version still decides, with few contenders instead of all of them.
            using var turn = await gate.EnterAsync($"{organization}/Group/{id}", cancellationToken).ConfigureAwait(false);

            if (!ResourceRows.IsResourceId(id))
            {
                return NotFound(id);
            }

            // The group, what the change means for its members and (for a few adds) the users to add are independent
            // reads: one round trip instead of three for the common single-member PATCH.
            var groupRead = store.FindAsync(organization, id, cancellationToken);
            var diffRead = DiffAsync(organization, id, members, cancellationToken);
            var usersRead = members.Adds.Count <= PrefetchedUsers
                ? store.CandidatesAsync(organization, members.Adds.Keys, cancellationToken)
                : Task.FromResult(new Dictionary<string, MemberCandidate>(StringComparer.Ordinal));
            await Task.WhenAll(groupRead, diffRead, usersRead).ConfigureAwait(false);
            var group = await groupRead.ConfigureAwait(false);
            if (ResourceRows.RefuseChange(group?.Resource, "Group", id, ifMatch) is { } refused)
            {
                return refused;
            }

            if (group!.Pending)
            {
                // An earlier change of this group did not finish: finish it, then read the group again.
                await store.FinishPendingAsync(organization, id, cancellationToken).ConfigureAwait(false);
                return null;
            }

            var document = change(group);
            var diff = await diffRead.ConfigureAwait(false);
            if (document is null && diff.IsEmpty)
            {
                return await RespondAsync(context, group.Resource, selection, alwaysRespond, cancellationToken).ConfigureAwait(false);
            }

            var resolved = await ResolveMembersAsync(organization, diff.Adds, cancellationToken, await usersRead.ConfigureAwait(false)).ConfigureAwait(false);
            document ??= group.Document;
            var after = GroupFacts.From(document);
            var changed = DocumentChanges.Changed(group.Document, document);
            ChangeEvent[] events = changed.Count == 0
                ? []
                : [ChangeEvent.Create(time, ChangeEventTypes.GroupUpdated, organization, "Group", id, after.ExternalId, after.DisplayName, changed, group.Version + 1)];
            return await store.ReplaceAsync(organization, group, document, new MembershipPlan(resolved, diff.Removes), events, cancellationToken).ConfigureAwait(false) switch
            {
                GroupWrite.Committed { Group: var written } => await RespondAsync(context, written.Resource, selection, alwaysRespond, cancellationToken).ConfigureAwait(false),
                GroupWrite.DisplayNameTaken => DuplicateName(),
                _ => null,
            };
        }, cancellationToken);
    }

    private async Task<ScimResult> RespondAsync(ScimRequestContext context, StoredResource group, AttributeSelection selection, bool respond, CancellationToken cancellationToken) =>
        respond
            ? ScimResult.Ok(await RepresentAsync(context, group, selection, cancellationToken).ConfigureAwait(false), group.ETag)
            : ScimResult.NoContent(group.ETag);

    /// <summary>
    /// What a member change means for the group as stored (<see cref="MemberChange.Diff"/>): it reads every member only
    /// when the change needs them (a replacement or a filter), else only whether the ids it names are members (a
    /// delete of a missing pair would fail the whole change, and adding a present member changes nothing).
    /// </summary>
    private async Task<MemberDiff> DiffAsync(string organization, string groupId, MemberChange change, CancellationToken cancellationToken) =>
        change.Diff([.. change.NeedsCurrentMembers
            ? await store.MembersAsync(organization, groupId, cancellationToken).ConfigureAwait(false)
            : await store.MembersAmongAsync(organization, groupId, change.IdsToLookUp, cancellationToken).ConfigureAwait(false)]);

    /// <summary>
    /// Members must be users of the same organization; a missing display name is the user's. The users not already
    /// read are read together.
    /// </summary>
    private async Task<List<MemberAddition>> ResolveMembersAsync(
        string organization, IReadOnlyList<Member> members, CancellationToken cancellationToken, Dictionary<string, MemberCandidate>? read = null)
    {
        var users = read ?? [];
        var missing = members.Select(m => m.Id).Where(id => !users.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            foreach (var (id, user) in await store.CandidatesAsync(organization, missing, cancellationToken).ConfigureAwait(false))
            {
                users[id] = user;
            }
        }

        return [.. members.Select(m => users.TryGetValue(m.Id, out var user)
            ? new MemberAddition(m.Id, m.Display ?? user.Display, user.User)
            : throw new ScimException(ScimError.InvalidValue($"Member '{m.Id}' is not a user of this organization.")))];
    }

    private static List<Member> TakeMembers(JsonObject document)
    {
        var members = new List<Member>();
        if (document[Members] is JsonArray elements)
        {
            foreach (var element in elements.OfType<JsonObject>())
            {
                var (id, display) = MemberChange.Element(element);
                members.Add(new Member(id, display));
            }
        }

        document.Remove(Members);
        return members.DistinctBy(m => m.Id, StringComparer.Ordinal).ToList();
    }

    private async Task<JsonObject> EvaluableAsync(string organization, StoredResource group, CompiledFilter filter, CancellationToken cancellationToken)
    {
        var resource = group.ToRepresentation(Groups.Name, string.Empty);
        if (NamesMembers(filter.Expression))
        {
            var members = await store.MembersAsync(organization, group.Id, cancellationToken).ConfigureAwait(false);
            resource[Members] = new JsonArray([.. members.Select(m => (JsonNode)MemberElement(m.Id, m.Display))]);
        }

        return resource;
    }

    /// <summary>Whether a filter tests the members, which a group row does not hold.</summary>
    private static bool NamesMembers(FilterExpression expression) => expression switch
    {
        LogicalExpression logical => NamesMembers(logical.Left) || NamesMembers(logical.Right),
        NotExpression not => NamesMembers(not.Operand),
        ComparisonExpression comparison => IsMembers(comparison.Path),
        PresentExpression present => IsMembers(present.Path),
        ValuePathExpression valuePath => IsMembers(valuePath.Path),
        _ => false,
    };

    private static bool IsMembers(AttributePath path) => path.Name.Equals(Members, StringComparison.OrdinalIgnoreCase);

    private async Task<JsonObject> RepresentAsync(ScimRequestContext context, StoredResource group, AttributeSelection selection, CancellationToken cancellationToken)
    {
        var representation = group.ToRepresentation(Groups.Name, Location(context, group.Id));
        if (selection.Returns(Groups.Resolve(null, Members)!))
        {
            var members = await store.MembersAsync(context.OrganizationId, group.Id, cancellationToken).ConfigureAwait(false);
            if (members.Count > 0)
            {
                var meta = representation["meta"]!;
                representation.Remove("meta");
                representation[Members] = new JsonArray([.. members.Select(m =>
                {
                    var element = MemberElement(m.Id, m.Display);
                    element["$ref"] = $"{context.BaseUrl}/Users/{m.Id}";
                    return (JsonNode)element;
                })]);
                representation["meta"] = meta;
            }
        }

        return selection.Apply(representation);
    }

    private static JsonObject MemberElement(string userId, string? display)
    {
        var element = new JsonObject { ["value"] = userId };
        if (display is not null)
        {
            element["display"] = display;
        }

        element["type"] = "User";
        return element;
    }

    private static ScimError DuplicateName() => ScimError.Uniqueness("A group with this displayName already exists in the organization.");

    private static string Location(ScimRequestContext context, string id) => $"{context.BaseUrl}/Groups/{id}";

    private static ScimError NotFound(string id) => ResourceRows.NotFound("Group", id);
}
