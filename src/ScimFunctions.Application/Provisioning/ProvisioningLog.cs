using Microsoft.Extensions.Logging;

namespace ScimFunctions.Application.Provisioning;

/// <summary>
/// The records the use cases write themselves (the endpoint writes the provisioning record of every request:
/// <c>ProvisioningTelemetry</c>). Event ids are shared with it and never reused.
/// </summary>
internal static partial class ProvisioningLog
{
    /// <summary>An organization's active users changed: seat usage against <c>MaxSeats</c> (-1 when unlimited).</summary>
    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Seats of organization {OrganizationId}: {SeatsInUse} in use, limit {MaxSeats}")]
    public static partial void SeatUsage(ILogger logger, string organizationId, long seatsInUse, long maxSeats);
}
