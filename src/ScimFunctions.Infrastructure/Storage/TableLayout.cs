using System.Security.Cryptography;
using System.Text;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// The row keys of the one table that holds every organization's data (docs/storage.md). The partition key is the
/// organization id, so that a resource, its index rows and the organization's counters commit in one entity-group
/// transaction. Index keys hash the value (SHA-256, hex): fixed length, and free of the characters row keys forbid.
/// </summary>
internal static class TableLayout
{
    public const string OrganizationRow = "org";

    /// <summary>
    /// Counter shards of an organization (<c>org:c:00</c> …): creates, activations and deletes add their deltas to one
    /// of them, so that writes of one organization do not queue on one row. They sort right after the organization
    /// row, so one key-range read returns the row and every shard.
    /// </summary>
    public const string CounterShardPrefix = "org:c:";

    public const string UserPrefix = "u:";
    public const string GroupPrefix = "g:";
    public const string UserNameIndexPrefix = "n:";
    public const string UserExternalIdIndexPrefix = "x:";
    public const string EmailIndexPrefix = "e:";
    public const string GroupNameIndexPrefix = "d:";
    public const string GroupExternalIdIndexPrefix = "y:";
    public const string MemberPrefix = "m:";
    public const string MembershipPrefix = "r:";

    /// <summary>
    /// A deleted user, kept for the retention period (docs/storage.md, "Deleted users"): hidden from every read, its
    /// userName and externalId free, its group memberships kept as the user-side rows only.
    /// </summary>
    public const string DeletedUserPrefix = "z:";

    /// <summary>Deleted users by (userName, externalId): what a POST that restores one looks up.</summary>
    public const string DeletedUserMatchPrefix = "zn:";

    /// <summary>The activity journal: one row per write request, in time order (<c>j:{ticks}:{code}</c>), in <see cref="JournalPartition"/>.</summary>
    public const string JournalPrefix = "j:";

    /// <summary>
    /// The partition of an organization's journal: <c>{organization}~journal</c> (organization ids have no <c>~</c>), so
    /// that the journal's writes do not share the organization partition's throughput and do not grow it. Rows written
    /// before it existed are in the organization's partition: read too, moved by <c>scim-admin org migrate</c>.
    /// </summary>
    public static string JournalPartition(string organizationId) => organizationId + "~journal";

    /// <summary>
    /// The journal's deactivations and deletes again, as small rows of their own (<c>jr:{ticks}:{code}</c>), so that the
    /// mass-change guard counts its window without reading every write of it.
    /// </summary>
    public const string JournalRemovalPrefix = "jr:";

    /// <summary>The mass-change guard's last alert of an organization.</summary>
    public const string MassChangeAlertRow = "alert:mass-change";

    /// <summary>Change events not yet handed to the queue (the outbox), in commit-time order.</summary>
    public const string OutboxPrefix = "o:";

    /// <summary>The partition of the organizations that have (or recently had) outbox rows, for the sweep.</summary>
    public const string OutboxMarkerPartition = "~outbox";

    /// <summary>The unfinished part of a group's membership change that did not fit in one transaction.</summary>
    public const string IntentPrefix = "i:";

    public static string CounterShard(int shard) => CounterShardPrefix + shard.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    public static string User(string id) => UserPrefix + id;

    public static string Group(string id) => GroupPrefix + id;

    public static string Intent(string groupId) => IntentPrefix + groupId;

    public static string DeletedUser(string id) => DeletedUserPrefix + id;

    /// <summary>userName case-insensitively, externalId case-exactly: both must match for a POST to restore a user.</summary>
    public static string DeletedUserMatch(string userName, string externalId) => $"{DeletedUserMatchPrefix}{HashIgnoreCase(userName)}:{Hash(externalId)}";

    public static string Outbox(DateTimeOffset time, string eventId) =>
        OutboxPrefix + time.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + ":" + eventId;

    /// <summary>userName is unique case-insensitively: the key hashes the upper-cased value.</summary>
    public static string UserNameIndex(string userName) => UserNameIndexPrefix + HashIgnoreCase(userName);

    /// <summary>
    /// externalId is case-exact and not unique (RFC 7643 §3.1; Entra ID fills it from mailNickname, which two users
    /// can share): one row per (externalId, user), like emails.
    /// </summary>
    public static string UserExternalIdIndexPrefixFor(string externalId) => $"{UserExternalIdIndexPrefix}{Hash(externalId)}:";

    public static string UserExternalIdIndex(string externalId, string userId) => UserExternalIdIndexPrefixFor(externalId) + userId;

    /// <summary>
    /// Layout 1 (rows written before externalId stopped being unique): one row per externalId, <c>x:{hash}</c>.
    /// Still read, and replaced by the layout-2 row on the user's next write or by <c>scim-admin org migrate</c>.
    /// </summary>
    public static string LegacyUserExternalIdIndex(string externalId) => UserExternalIdIndexPrefix + Hash(externalId);

    /// <summary>Email values are not unique: one row per (email, user).</summary>
    public static string EmailIndexPrefixFor(string email) => $"{EmailIndexPrefix}{HashIgnoreCase(email)}:";

    public static string EmailIndex(string email, string userId) => EmailIndexPrefixFor(email) + userId;

    public static string GroupNameIndex(string displayName) => GroupNameIndexPrefix + HashIgnoreCase(displayName);

    public static string GroupExternalIdIndexPrefixFor(string externalId) => $"{GroupExternalIdIndexPrefix}{Hash(externalId)}:";

    public static string GroupExternalIdIndex(string externalId, string groupId) => GroupExternalIdIndexPrefixFor(externalId) + groupId;

    /// <summary>A group's members, in the group's key range: adding or removing k members touches k rows.</summary>
    public static string MembersPrefixFor(string groupId) => $"{MemberPrefix}{groupId}:";

    public static string Member(string groupId, string userId) => MembersPrefixFor(groupId) + userId;

    /// <summary>A user's groups, in the user's key range: deleting a user finds its memberships without a scan.</summary>
    public static string MembershipsPrefixFor(string userId) => $"{MembershipPrefix}{userId}:";

    public static string Membership(string userId, string groupId) => MembershipsPrefixFor(userId) + groupId;

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static string PrefixEnd(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string HashIgnoreCase(string value) => Hash(value.ToUpperInvariant());
}
