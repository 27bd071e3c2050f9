using System.Globalization;
using ScimFunctions.Application.Organizations;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Infrastructure.Organizations;

/// <summary>The seat rule: an organization at <c>maxSeats</c> active users gets no more active users.</summary>
internal static class SeatLimit
{
    public static ScimError? Check(Organization organization)
    {
        if (organization.MaxSeats is not { } max || organization.ActiveUsers < max)
        {
            return null;
        }

        return ScimError.Forbidden(string.Create(
            CultureInfo.InvariantCulture,
            $"Seat limit reached: {organization.ActiveUsers} of {max} seats are in use. Deactivate or remove users, or raise the seat limit."));
    }
}
