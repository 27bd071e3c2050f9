using System.Text.Json.Nodes;
using ScimFunctions.Application.Events;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Core.Projection;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Application.Provisioning.Stores;

/// <summary>A user as the store holds it: the resource and how it came to exist.</summary>
internal sealed record StoredUser(StoredResource Resource, UserSource Source)
{
    public string Id => Resource.Id;

    public JsonObject Document => Resource.Document;

    public long Version => Resource.Version;

    public ScimETag ETag => Resource.ETag;
}

/// <summary>A deleted user kept for a restore until its retention period is over.</summary>
internal sealed record DeletedUser(StoredUser User, DateTimeOffset Deleted)
{
    public string Id => User.Id;

    /// <summary>What the store read to find it by its userName and externalId, if it did; a restore writes under it.</summary>
    public StoreHandle? Lookup { get; init; }
}

/// <summary>An organization's settings as one attempt of a write read them; the handle is what its counters are written under.</summary>
internal sealed record OrganizationState(Organization Settings, StoreHandle Handle);

/// <summary>Seats in use after an activation change, where the write knew the exact totals (organizations with a seat limit).</summary>
internal sealed record SeatUsage(long Active, int Max);

/// <summary>How a write of a user ended, in the domain's words.</summary>
internal abstract record UserWrite
{
    /// <summary>Committed with its event, whose type is <see cref="Effect"/>; <paramref name="Seats"/> when the write knew the seats exactly.</summary>
    public sealed record Committed(StoredUser User, SeatUsage? Seats) : UserWrite
    {
        public string? Effect { get; init; }
    }

    /// <summary>A row the write was conditional on changed or went away: the attempt runs again with everything re-read.</summary>
    public sealed record Stale : UserWrite;

    /// <summary>Another user holds the userName.</summary>
    public sealed record UserNameTaken(string HolderId, bool HolderUnmanaged) : UserWrite;

    /// <summary>The write would activate a user beyond the seat limit.</summary>
    public sealed record SeatLimitReached(ScimError Error) : UserWrite;

    /// <summary>A create learned that a deleted user with its userName and externalId may exist (so it may be a restore).</summary>
    public sealed record DeletedUserMayMatch : UserWrite;

    public static UserWrite Again { get; } = new Stale();
}

/// <summary>A group a user is a member of, with its displayName.</summary>
internal sealed record GroupRef(string Id, string? DisplayName);

/// <summary>A user's new document, with the facts of the stored one and of the new one (each computed once per attempt).</summary>
internal sealed record UserReplacement(StoredUser Existing, JsonObject Document, UserFacts Before, UserFacts After, UserSource Source);

/// <summary>A user to create: its document, what the indexes and counters need of it, and its source.</summary>
internal sealed record NewUser(string Id, JsonObject Document, UserFacts Facts, UserSource Source);

/// <summary>
/// The users of organizations as the use cases need them. Every write commits the user, its index rows, its counters
/// and its event together or not at all, and answers in the domain's words (<see cref="UserWrite"/>): the store knows
/// rows, transactions and storage limits, the use cases know SCIM.
/// </summary>
internal interface IUserStore
{
    Task<StoredUser?> FindAsync(string organization, string id, CancellationToken cancellationToken);

    /// <summary>The id of the user holding a userName (case-insensitively).</summary>
    Task<string?> FindIdByUserNameAsync(string organization, string userName, CancellationToken cancellationToken);

    /// <summary>The ids of the users with an email address (upper-cased).</summary>
    Task<IReadOnlyList<string>> FindIdsByEmailAsync(string organization, string email, CancellationToken cancellationToken);

    /// <summary>The groups a user is a member of.</summary>
    Task<IReadOnlyList<GroupRef>> GroupsOfAsync(string organization, string userId, CancellationToken cancellationToken);

    /// <summary>A page or search of users (RFC 7644 §3.4.2), each represented by <paramref name="represent"/>.</summary>
    Task<ScimResult> ListAsync(ScimRequestContext context, ListRequest request, ResourceRepresenter represent, CancellationToken cancellationToken);

    /// <summary>The organization's settings and totals for one attempt of a write.</summary>
    Task<OrganizationState> OrganizationAsync(string organization, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a user. With <paramref name="probeDeletedUsers"/>, a create of a user with an externalId also learns,
    /// at no extra read, whether a deleted user with its userName and externalId may exist
    /// (<see cref="UserWrite.DeletedUserMayMatch"/>).
    /// </summary>
    Task<UserWrite> CreateAsync(OrganizationState organization, NewUser user, CounterDelta delta, ChangeEvent created, bool probeDeletedUsers, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a user's document (and its source), with the index rows that change and the counters of
    /// <paramref name="delta"/>; <paramref name="organization"/> when the attempt read it already.
    /// </summary>
    Task<UserWrite> ReplaceAsync(
        string organizationId, OrganizationState? organization, UserReplacement replacement, CounterDelta delta, ChangeEvent change, CancellationToken cancellationToken);

    /// <summary>
    /// Soft-deletes a user: it is hidden from every read, its unique values and seat are freed, its groups stop listing
    /// it, and it stays findable for a restore (<see cref="FindRestorableAsync"/>). <paramref name="attempt"/> is the
    /// number of this attempt of the DELETE.
    /// </summary>
    Task<UserWrite> DeleteAsync(string organizationId, StoredUser user, UserFacts facts, CounterDelta delta, ChangeEvent deleted, int attempt, CancellationToken cancellationToken);

    /// <summary>A repeated DELETE of a user that is gone: removes what an earlier DELETE left; true when there was something.</summary>
    Task<bool> FinishDeleteAsync(string organization, string id, CancellationToken cancellationToken);

    /// <summary>The one deleted user with this userName (case-insensitively) and externalId (case-exactly), if exactly one.</summary>
    Task<DeletedUser?> FindRestorableAsync(string organization, string userName, string externalId, CancellationToken cancellationToken);

    Task<DeletedUser?> FindDeletedAsync(string organization, string id, CancellationToken cancellationToken);

    /// <summary>Brings a deleted user back with <paramref name="document"/> (whose facts are <paramref name="facts"/>): same id, a new version, its index rows, its groups.</summary>
    Task<UserWrite> RestoreAsync(OrganizationState organization, DeletedUser deleted, JsonObject document, UserFacts facts, CounterDelta delta, ChangeEvent restored, CancellationToken cancellationToken);

    IAsyncEnumerable<DeletedUser> DeletedAsync(string organization, CancellationToken cancellationToken);

    /// <summary>Removes a deleted user for good (rows, match rows, memberships) with its event; false when it was restored or purged meanwhile.</summary>
    Task<bool> PurgeAsync(string organization, DeletedUser deleted, ChangeEvent purged, CancellationToken cancellationToken);
}

/// <summary>Represents a stored resource for a response, with the attributes a request selected.</summary>
internal delegate Task<JsonObject> ResourceRepresenter(ScimRequestContext context, StoredResource resource, AttributeSelection selection, CancellationToken cancellationToken);
