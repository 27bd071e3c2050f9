using System.Text.Json.Nodes;
using ScimFunctions.Application.Events;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Application.Provisioning.Stores;

/// <summary>
/// A group as the store holds it (without its members). <paramref name="Pending"/>: an earlier membership change of it
/// is unfinished (whoever finds it finishes it first). <paramref name="CreateRequest"/>: the fingerprint of the POST
/// that created it, which tells a retried create from a duplicate.
/// </summary>
internal sealed record StoredGroup(StoredResource Resource, bool Pending, string? CreateRequest)
{
    public string Id => Resource.Id;

    public JsonObject Document => Resource.Document;

    public long Version => Resource.Version;

    public ScimETag ETag => Resource.ETag;
}

/// <summary>A user a group change adds: its id, the display name to keep, and the user as it was read (a pair needs it to still exist).</summary>
internal sealed record MemberAddition(string UserId, string? Display, StoreHandle User);

/// <summary>The members a group change adds and removes.</summary>
internal sealed record MembershipPlan(IReadOnlyList<MemberAddition> Adds, IReadOnlyList<string> Removes)
{
    public static MembershipPlan None { get; } = new([], []);

    public bool IsEmpty => Adds.Count == 0 && Removes.Count == 0;
}

/// <summary>What the change events of a group write say about the group: its identifiers and its new version.</summary>
internal sealed record GroupIdentity(string DisplayName, string? ExternalId, long Version);

/// <summary>A user that may become a member, as read for a membership change.</summary>
internal sealed record MemberCandidate(string? Display, StoreHandle User);

/// <summary>A group to create: its id, document (without members), facts and the fingerprint of its POST.</summary>
internal sealed record NewGroup(string Id, JsonObject Document, GroupFacts Facts, string CreateRequest);

/// <summary>How a write of a group ended, in the domain's words.</summary>
internal abstract record GroupWrite
{
    public sealed record Committed(StoredGroup Group) : GroupWrite;

    /// <summary>A row the write was conditional on changed or went away: the attempt runs again with everything re-read.</summary>
    public sealed record Stale : GroupWrite;

    /// <summary>Another group holds the displayName.</summary>
    public sealed record DisplayNameTaken(string HolderId) : GroupWrite;

    public static GroupWrite Again { get; } = new Stale();
}

/// <summary>
/// The groups of organizations as the use cases need them. A group write commits the group, its index rows, its
/// counter, its events and its membership change together; a change too large for one commit is recorded first and
/// finished by whoever finds it unfinished (<see cref="StoredGroup.Pending"/>), so it is never half-applied without a
/// durable record of the rest. Every pair is written only while its user exists.
/// </summary>
internal interface IGroupStore
{
    Task<StoredGroup?> FindAsync(string organization, string id, CancellationToken cancellationToken);

    /// <summary>The id of the group holding a displayName (case-insensitively).</summary>
    Task<string?> FindIdByDisplayNameAsync(string organization, string displayName, CancellationToken cancellationToken);

    /// <summary>Every member of a group.</summary>
    Task<IReadOnlyList<Member>> MembersAsync(string organization, string groupId, CancellationToken cancellationToken);

    /// <summary>Which of <paramref name="userIds"/> are members of the group (as many point reads).</summary>
    Task<IReadOnlyList<Member>> MembersAmongAsync(string organization, string groupId, IEnumerable<string> userIds, CancellationToken cancellationToken);

    /// <summary>The users among <paramref name="userIds"/> that exist, as members need them.</summary>
    Task<Dictionary<string, MemberCandidate>> CandidatesAsync(string organization, IEnumerable<string> userIds, CancellationToken cancellationToken);

    /// <summary>A page or search of groups (RFC 7644 §3.4.2); <paramref name="evaluable"/> is what filters see of a group.</summary>
    Task<ScimResult> ListAsync(
        ScimRequestContext context, ListRequest request, ResourceRepresenter represent,
        Func<string, StoredResource, CompiledFilter, CancellationToken, Task<JsonObject>> evaluable, CancellationToken cancellationToken);

    Task<GroupWrite> CreateAsync(string organization, NewGroup group, MembershipPlan members, ChangeEvent created, CancellationToken cancellationToken);

    /// <summary>Replaces a group's document with the index rows that change, and applies a membership change; <paramref name="events"/> for the document.</summary>
    Task<GroupWrite> ReplaceAsync(string organization, StoredGroup existing, JsonObject document, MembershipPlan members, IReadOnlyList<ChangeEvent> events, CancellationToken cancellationToken);

    /// <summary>Deletes a group (with an unfinished membership change of it), then its memberships.</summary>
    Task<GroupWrite> DeleteAsync(string organization, StoredGroup group, ChangeEvent deleted, CancellationToken cancellationToken);

    /// <summary>A repeated DELETE of a group that is gone: removes memberships an earlier DELETE left; true when there were some.</summary>
    Task<bool> FinishDeleteAsync(string organization, string id, CancellationToken cancellationToken);

    /// <summary>Finishes the group's unfinished membership change, if it has one.</summary>
    Task FinishPendingAsync(string organization, string groupId, CancellationToken cancellationToken);
}
