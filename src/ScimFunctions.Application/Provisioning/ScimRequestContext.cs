namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// Who is asking and where: the organization the bearer token resolved to, and the SCIM base URL that
/// <c>meta.location</c> and <c>Location</c> are built from (<c>https://host/api/sch/scim/v2</c>).
/// </summary>
public sealed record ScimRequestContext(string OrganizationId, string BaseUrl);
