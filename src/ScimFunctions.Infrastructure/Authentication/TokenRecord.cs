namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>
/// What a stored credential hash tells: the organization, the credential's id and when it was issued, whether it is
/// revoked, and for an OAuth client secret the client id it belongs to (null for a bearer token).
/// </summary>
public sealed record TokenRecord(string OrganizationId, string TokenId, DateTimeOffset Created, bool Revoked, string? ClientId = null);
