namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>What a stored token hash tells: the organization, the token's id and when it was issued, and whether it is revoked.</summary>
public sealed record TokenRecord(string OrganizationId, string TokenId, DateTimeOffset Created, bool Revoked);
