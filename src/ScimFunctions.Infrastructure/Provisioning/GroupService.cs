using System.Text.Json.Nodes;
using Azure;
using Azure.Data.Tables;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Core.Schema;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Storage.Users;

namespace ScimFunctions.Infrastructure.Provisioning;

/// <summary>
/// Groups of an organization on Table Storage. The group row holds the group without its members; each member is a
/// pair of membership rows (<see cref="Memberships"/>), so adding or removing k members costs O(k) whatever the
/// group's size, and reading a group without its members does not read them.
/// </summary>
public sealed class GroupService(
    ScimTable table,
    OrganizationStore organizations,
    ScimSchemaRegistry registry,
    ProvisioningOptions options,
    PageBoundaryCache pageBoundaries,
    TimeProvider time,
    OrganizationWriteGate gate,
    OrganizationCounters counters,
    ChangeOutbox outbox)
{
    internal const string DisplayNameProperty = "DisplayName";
    private const string CreateRequestProperty = "CreateRequest";
    private readonly GroupMembershipWriter memberships = new(table, time, outbox);
    private const string ExternalIdProperty = "ExternalId";
    private const string GroupIdProperty = "GroupId";
    private const string Members = "members";

    /// <summary>Point reads of one request in flight at once.</summary>
    private const int ParallelReads = 16;

    /// <summary>Up to this many members to add, their users are read together with the group (else after the diff).</summary>
    private const int PrefetchedUsers = 50;

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
                var orgRow = await organizations.RequireRowAsync(organization, token).ConfigureAwait(false);
                using var slot = await counters.ReserveAsync(orgRow, new CounterDelta(Groups: 1), token).ConfigureAwait(false);
                var now = time.GetUtcNow();
                var id = Guid.NewGuid().ToString();
                var row = GroupRow(organization, id, document, facts, 1, now, now);
                row[CreateRequestProperty] = request;
                var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, row) };
                actions.AddRange(IndexRows(organization, id, facts).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
                try
                {
                    var created = ChangeEvent.Create(time, ChangeEventTypes.GroupCreated, organization, "Group", id, facts.ExternalId, facts.DisplayName, DocumentChanges.AttributeNames(document), 1);
                    await memberships.CommitAsync(organization, id, actions, slot, new MembershipPlan(members, []), [created], new GroupIdentity(facts.DisplayName, facts.ExternalId, 1), token)
                        .ConfigureAwait(false);
                }
                catch (TableTransactionFailedException e) when (e.Status == 409)
                {
                    return await RetriedCreateAsync(context, facts.DisplayName, request, token).ConfigureAwait(false);
                }

                var stored = TableResources.Read(row, TableLayout.GroupPrefix);
                var representation = await RepresentAsync(context, stored, AttributeSelection.Default(Groups), token).ConfigureAwait(false);
                return ScimResult.Created(representation, Location(context, id), stored.ETag);
            }, token).ConfigureAwait(false);
        }));

    /// <summary>
    /// After a create's 409: the group holding the displayName, if it was created by this very request (an earlier
    /// attempt), not changed since and its membership change still unfinished, is the answer once finished; any other
    /// holder is a 409, also a finished group of the same request (a duplicate POST, as RFC 7644 §3.3 wants it: the
    /// client cannot be told apart from one whose answer was lost); no holder means the conflict was elsewhere (a
    /// counter shard created concurrently) and the create runs again (null).
    /// </summary>
    private async Task<ScimResult?> RetriedCreateAsync(ScimRequestContext context, string displayName, string request, CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var index = await table.GetAsync(organization, TableLayout.GroupNameIndex(displayName), cancellationToken).ConfigureAwait(false);
        if (index?.GetString(GroupIdProperty) is not { } holderId)
        {
            return null;
        }

        var holder = await ReadAsync(organization, holderId, cancellationToken).ConfigureAwait(false);
        if (holder is null || holder.Version != 1 || !GroupMembershipWriter.IsPending(holder.Row())
            || !string.Equals(holder.Row().GetString(CreateRequestProperty), request, StringComparison.Ordinal))
        {
            return DuplicateName();
        }

        await memberships.FinishPendingAsync(organization, holderId, cancellationToken).ConfigureAwait(false);

        var representation = await RepresentAsync(context, holder, AttributeSelection.Default(Groups), cancellationToken).ConfigureAwait(false);
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
            var group = await ReadAsync(context.OrganizationId, id, cancellationToken).ConfigureAwait(false);
            return group is null
                ? NotFound(id)
                : ScimResult.Ok(await RepresentAsync(context, group, selection, cancellationToken).ConfigureAwait(false), group.ETag);
        });

    public Task<ScimResult> ListAsync(ScimRequestContext context, ListRequest request, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() => ResourceLister.ListAsync(
            new ResourceLister.Source(table, counters, pageBoundaries, options, Groups, TableLayout.GroupPrefix, o => o.Groups, LoadByIndexAsync, RepresentAsync, EvaluableAsync),
            context,
            request,
            cancellationToken));

    /// <summary>PUT: displayName, externalId and the whole member list are replaced.</summary>
    public Task<ScimResult> ReplaceAsync(ScimRequestContext context, string id, JsonNode? body, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var document = ResourceNormalizer.Normalize(body, Groups);
            var change = MemberChange.ReplaceWith(TakeMembers(document));
            return WithMembershipTimeLimitAsync(token => UpdateAsync(context, id, ifMatch, Projection.Default, alwaysRespond: true, change, _ => document, token));
        });

    /// <summary>
    /// PATCH: member operations become membership row changes, the others apply to the group document. 204, or 200
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
    /// DELETE: removes the group with its index rows and counter in one transaction, then its membership pairs; 204.
    /// The group goes first, so that a DELETE that fails never leaves a live group stripped of its members; what may
    /// remain is membership rows of the deleted group, which a repeated DELETE removes before it answers 204.
    /// </summary>
    public Task<ScimResult> DeleteAsync(ScimRequestContext context, string id, string? ifMatch, CancellationToken cancellationToken) =>
        ServiceErrors.Guard(() =>
        {
            var organization = context.OrganizationId;
            return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
            {
                var (group, refused) = await ReadForChangeAsync(organization, id, ifMatch, cancellationToken).ConfigureAwait(false);
                if (group is null)
                {
                    return refused!.Status == 404 && ResourceRows.IsResourceId(id)
                        && await Memberships.RemoveAllOfGroupAsync(table, organization, id, cancellationToken).ConfigureAwait(false) > 0
                        ? ScimResult.NoContent()
                        : refused;
                }

                var orgRow = await organizations.RequireRowAsync(organization, cancellationToken).ConfigureAwait(false);
                using (var slot = await counters.ReserveAsync(orgRow, new CounterDelta(Groups: -1), cancellationToken).ConfigureAwait(false))
                {
                    var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, group.Row(), group.Row().ETag) };
                    actions.AddRange(IndexRows(organization, id, GroupFacts.From(group.Document))
                        .Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
                    if (GroupMembershipWriter.IsPending(group.Row()))
                    {
                        // The unfinished rest of a membership change goes with the group; its finisher stops.
                        actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(organization, TableLayout.Intent(id)), ETag.All));
                    }

                    var facts = GroupFacts.From(group.Document);
                    var deleted = ChangeEvent.Create(time, ChangeEventTypes.GroupDeleted, organization, "Group", id, facts.ExternalId, facts.DisplayName, [], group.Version);
                    await memberships.CommitAsync(organization, id, actions, slot, new MembershipPlan([], []), [deleted], new GroupIdentity(facts.DisplayName, facts.ExternalId, group.Version), cancellationToken)
                        .ConfigureAwait(false);
                }

                await Memberships.RemoveAllOfGroupAsync(table, organization, id, cancellationToken).ConfigureAwait(false);
                return ScimResult.NoContent();
            }, cancellationToken);
        });

    private Task<ScimResult> UpdateAsync(
        ScimRequestContext context,
        string id,
        string? ifMatch,
        Projection projection,
        bool alwaysRespond,
        MemberChange members,
        Func<StoredResource, JsonObject?> change,
        CancellationToken cancellationToken)
    {
        var organization = context.OrganizationId;
        var selection = AttributeSelection.Parse(Groups, projection.Attributes, projection.ExcludedAttributes);
        return OptimisticWrite.RunAsync(options.MaxWriteAttempts, async _ =>
        {
            // Changes of one group queue within this instance (Okta and Entra send many member PATCHes of one group at
            // once): across instances the group row's ETag still decides, with few contenders instead of all of them.
            using var turn = await gate.EnterAsync($"{organization}/{TableLayout.Group(id)}", cancellationToken).ConfigureAwait(false);

            if (!ResourceRows.IsResourceId(id))
            {
                return NotFound(id);
            }

            // The group, what the change means for its members and (for a few adds) the users to add are independent
            // reads: one round trip instead of three for the common single-member PATCH.
            var groupRead = ReadForChangeAsync(organization, id, ifMatch, cancellationToken);
            var diffRead = DiffAsync(organization, id, members, cancellationToken);
            var usersRead = members.Adds.Count <= PrefetchedUsers
                ? ReadUsersAsync(organization, members.Adds.Keys, cancellationToken)
                : Task.FromResult(new Dictionary<string, TableEntity>(StringComparer.Ordinal));
            await Task.WhenAll(groupRead, diffRead, usersRead).ConfigureAwait(false);
            var (group, refused) = await groupRead.ConfigureAwait(false);
            if (group is null)
            {
                return refused!;
            }

            if (GroupMembershipWriter.IsPending(group.Row()))
            {
                // An earlier change of this group did not finish: finish it, then read the group again.
                await memberships.FinishPendingAsync(organization, id, cancellationToken).ConfigureAwait(false);
                return null;
            }

            var document = change(group);
            var diff = await diffRead.ConfigureAwait(false);
            if (document is null && diff.IsEmpty)
            {
                return await RespondAsync(context, group, selection, alwaysRespond, cancellationToken).ConfigureAwait(false);
            }

            var resolved = await ResolveMembersAsync(organization, diff.Adds, cancellationToken, await usersRead.ConfigureAwait(false)).ConfigureAwait(false);
            document ??= group.Document;
            var before = GroupFacts.From(group.Document);
            var after = GroupFacts.From(document);
            var row = GroupRow(organization, id, document, after, group.Version + 1, group.Created, time.GetUtcNow());
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, row, group.Row().ETag) };
            var beforeRows = IndexRows(organization, id, before).ToList();
            var afterRows = IndexRows(organization, id, after).ToList();
            actions.AddRange(afterRows.ExceptBy(beforeRows.Select(r => r.RowKey), r => r.RowKey).Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)));
            actions.AddRange(beforeRows.ExceptBy(afterRows.Select(r => r.RowKey), r => r.RowKey).Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)));
            try
            {
                var changed = DocumentChanges.Changed(group.Document, document);
                ChangeEvent[] events = changed.Count == 0
                    ? []
                    : [ChangeEvent.Create(time, ChangeEventTypes.GroupUpdated, organization, "Group", id, after.ExternalId, after.DisplayName, changed, group.Version + 1)];
                await memberships.CommitAsync(organization, id, actions, null, new MembershipPlan(resolved, diff.Removes), events, new GroupIdentity(after.DisplayName, after.ExternalId, group.Version + 1), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 409)
            {
                if (await NameTakenAsync(organization, after.DisplayName, cancellationToken, exceptGroupId: id).ConfigureAwait(false))
                {
                    return DuplicateName();
                }

                return null;
            }

            return await RespondAsync(context, TableResources.Read(row, TableLayout.GroupPrefix), selection, alwaysRespond, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    private async Task<ScimResult> RespondAsync(ScimRequestContext context, StoredResource group, AttributeSelection selection, bool respond, CancellationToken cancellationToken) =>
        respond
            ? ScimResult.Ok(await RepresentAsync(context, group, selection, cancellationToken).ConfigureAwait(false), group.ETag)
            : ScimResult.NoContent(group.ETag);

    /// <summary>
    /// What a member change means for the group as stored (<see cref="MemberChange.Diff"/>): it reads every member only
    /// when the change needs them (a replacement or a filter), else only whether the ids it names are members.
    /// </summary>
    private async Task<MemberDiff> DiffAsync(string organization, string groupId, MemberChange change, CancellationToken cancellationToken)
    {
        if (change.NeedsCurrentMembers)
        {
            var all = await Memberships.MembersAsync(table, organization, groupId, cancellationToken).ConfigureAwait(false);
            return change.Diff([.. all.Select(m => new Member(m.UserId, m.Display))]);
        }

        // Whether the members to remove and to add are there: a delete of a missing row fails the whole transaction, and
        // adding a present member changes nothing. k point reads, a few at a time.
        var present = new System.Collections.Concurrent.ConcurrentBag<Member>();
        await Parallel.ForEachAsync(change.IdsToLookUp.Where(ResourceRows.IsResourceId), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (userId, token) =>
        {
            if (await table.GetAsync(organization, TableLayout.Member(groupId, userId), token).ConfigureAwait(false) is { } row)
            {
                present.Add(new Member(userId, row.GetString(Memberships.DisplayProperty)));
            }
        }).ConfigureAwait(false);

        return change.Diff([.. present]);
    }

    /// <summary>
    /// Members must be users of the same organization; a missing display name is the user's. The users not already
    /// read are read in parallel (k point reads, a few at a time).
    /// </summary>
    private async Task<List<MemberToAdd>> ResolveMembersAsync(
        string organization, IReadOnlyList<Member> members, CancellationToken cancellationToken, Dictionary<string, TableEntity>? read = null)
    {
        var users = read ?? [];
        var missing = members.Select(m => m.Id).Where(id => !users.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            foreach (var (id, row) in await ReadUsersAsync(organization, missing, cancellationToken).ConfigureAwait(false))
            {
                users[id] = row;
            }
        }

        return [.. members.Select(m => users.TryGetValue(m.Id, out var user)
            ? new MemberToAdd(m.Id, m.Display ?? UserRows.DisplayOf(user), user.ETag)
            : throw new ScimException(ScimError.InvalidValue($"Member '{m.Id}' is not a user of this organization.")))];
    }

    /// <summary>The rows of the users that exist among <paramref name="ids"/>.</summary>
    private async Task<Dictionary<string, TableEntity>> ReadUsersAsync(string organization, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var found = new System.Collections.Concurrent.ConcurrentDictionary<string, TableEntity>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            ids.Where(ResourceRows.IsResourceId).Distinct(StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
            async (id, token) =>
            {
                if (await table.GetAsync(organization, TableLayout.User(id), token).ConfigureAwait(false) is { } user)
                {
                    found[id] = user;
                }
            }).ConfigureAwait(false);
        return new Dictionary<string, TableEntity>(found, StringComparer.Ordinal);
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

    private async Task<IEnumerable<string>> LoadByIndexAsync(string organization, IndexLookup lookup, CancellationToken cancellationToken)
    {
        switch (lookup.Kind)
        {
            case IndexKind.Id:
                return [lookup.Value];
            case IndexKind.GroupName:
                var index = await table.GetAsync(organization, TableLayout.GroupNameIndex(lookup.Value), cancellationToken).ConfigureAwait(false);
                return index?.GetString(GroupIdProperty) is { } id ? [id] : [];
            case IndexKind.GroupExternalId:
                var prefix = TableLayout.GroupExternalIdIndexPrefixFor(lookup.Value);
                var ids = new List<string>();
                await foreach (var row in table.RangeAsync(organization, prefix, TableLayout.PrefixEnd(prefix), cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(row.GetString(GroupIdProperty)!);
                }

                return ids;
            case IndexKind.Member:
                return ResourceRows.IsResourceId(lookup.Value)
                    ? await Memberships.GroupIdsOfUserAsync(table, organization, lookup.Value, cancellationToken).ConfigureAwait(false)
                    : [];
            default:
                return [];
        }
    }

    private async Task<JsonObject> EvaluableAsync(string organization, StoredResource group, CompiledFilter filter, CancellationToken cancellationToken)
    {
        var resource = group.ToRepresentation(Groups.Name, string.Empty);
        if (NamesMembers(filter.Expression))
        {
            var members = await Memberships.MembersAsync(table, organization, group.Id, cancellationToken).ConfigureAwait(false);
            resource[Members] = new JsonArray([.. members.Select(m => (JsonNode)MemberElement(m.UserId, m.Display))]);
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
            var members = await Memberships.MembersAsync(table, context.OrganizationId, group.Id, cancellationToken).ConfigureAwait(false);
            if (members.Count > 0)
            {
                var meta = representation["meta"]!;
                representation.Remove("meta");
                representation[Members] = new JsonArray([.. members.Select(m =>
                {
                    var element = MemberElement(m.UserId, m.Display);
                    element["$ref"] = $"{context.BaseUrl}/Users/{m.UserId}";
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

    private Task<StoredResource?> ReadAsync(string organization, string id, CancellationToken cancellationToken) =>
        TableResources.ReadAsync(table, organization, TableLayout.GroupPrefix, id, cancellationToken);

    private async Task<(StoredResource? Group, ScimError? Refusal)> ReadForChangeAsync(string organization, string id, string? ifMatch, CancellationToken cancellationToken)
    {
        var group = await ReadAsync(organization, id, cancellationToken).ConfigureAwait(false);
        return ResourceRows.RefuseChange(group, "Group", id, ifMatch) is { } refusal ? (null, refusal) : (group, null);
    }

    internal static IEnumerable<TableEntity> IndexRows(string organization, string groupId, GroupFacts facts)
    {
        yield return new TableEntity(organization, TableLayout.GroupNameIndex(facts.DisplayName)) { [GroupIdProperty] = groupId };
        if (facts.ExternalId is not null)
        {
            yield return new TableEntity(organization, TableLayout.GroupExternalIdIndex(facts.ExternalId, groupId)) { [GroupIdProperty] = groupId };
        }
    }

    private static TableEntity GroupRow(string organization, string id, JsonObject document, GroupFacts facts, long version, DateTimeOffset created, DateTimeOffset lastModified)
    {
        var row = TableResources.NewRow(organization, TableLayout.Group(id), document, version, created, lastModified);
        row[DisplayNameProperty] = facts.DisplayName;
        row[ExternalIdProperty] = facts.ExternalId;
        return row;
    }

    private async Task<bool> NameTakenAsync(string organization, string displayName, CancellationToken cancellationToken, string? exceptGroupId = null)
    {
        var index = await table.GetAsync(organization, TableLayout.GroupNameIndex(displayName), cancellationToken).ConfigureAwait(false);
        return index is not null && !string.Equals(index.GetString(GroupIdProperty), exceptGroupId, StringComparison.Ordinal);
    }

    private static ScimError DuplicateName() => ScimError.Uniqueness("A group with this displayName already exists in the organization.");

    private static string Location(ScimRequestContext context, string id) => $"{context.BaseUrl}/Groups/{id}";

    private static ScimError NotFound(string id) => ResourceRows.NotFound("Group", id);

    internal sealed record GroupFacts(string DisplayName, string? ExternalId)
    {
        public static GroupFacts From(JsonObject document) => new(
            JsonValues.TryGetString(document["displayName"], out var name) ? name : string.Empty,
            JsonValues.TryGetString(document["externalId"], out var external) ? external : null);
    }
}
