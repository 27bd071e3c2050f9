namespace ScimFunctions.Application.Organizations;

/// <summary>
/// A customer organization (tenant) and its counters. The counters live on the organization's row and change in the
/// same transaction as the resources they count, so they are exact: <see cref="ActiveUsers"/> against
/// <see cref="MaxSeats"/> is how seats are enforced.
/// </summary>
public sealed record Organization(
    string Id,
    string Name,
    int? MaxSeats,
    long Users,
    long ActiveUsers,
    long UnmanagedUsers,
    long Groups,
    DateTimeOffset Created,
    AdoptionRule Adoption = AdoptionRule.UserNameOrEmail,
    bool RestoreDeletedUsers = true,
    bool HasDeletedUsers = false);
