namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>
/// What a stored credential hash tells: the organization, the credential's id and when it was issued, whether it is
/// revoked, for an OAuth client secret the client id it belongs to (null for a bearer token), and when it expires (null:
/// never). An organization may hold several, so that a credential can be rotated with overlap.
/// </summary>
public sealed record TokenRecord(string OrganizationId, string TokenId, DateTimeOffset Created, bool Revoked, string? ClientId = null, DateTimeOffset? Expires = null)
{
    /// <summary>Revoked, or past its expiry.</summary>
    public bool IsUsableAt(DateTimeOffset now) => !Revoked && (Expires is not { } end || now < end);
}
