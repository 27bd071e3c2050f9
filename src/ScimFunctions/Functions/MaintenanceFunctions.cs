using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Infrastructure.Events;
using ScimFunctions.Infrastructure.Journal;
using ScimFunctions.Infrastructure.Organizations;

namespace ScimFunctions.Functions;

/// <summary>Timers: the outbox sweep and the purge of deleted users whose retention period is over.</summary>
public sealed class MaintenanceFunctions(ChangeOutbox outbox, OrganizationStore organizations, UserService users, ActivityJournal journal, ProvisioningOptions options)
{
    /// <summary>Users purged per organization and run (the next run continues).</summary>
    private const int PurgeBatch = 500;

    /// <summary>
    /// Every minute: change events whose dispatch right after their write did not happen (the instance stopped, the
    /// queue was down) are sent now. A timer wakes the app even when no instance is running.
    /// </summary>
    [Function("ChangeEventSweep")]
    public Task SweepAsync([TimerTrigger("0 */1 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        outbox.SweepAsync(cancellationToken);

    /// <summary>
    /// Hourly: deleted users past <c>Scim:Provisioning:DeletedRetentionDays</c> are removed, in bounded batches, and
    /// journal rows past <c>Scim:Provisioning:JournalRetentionDays</c>.
    /// </summary>
    [Function("PurgeDeletedUsers")]
    public async Task PurgeAsync([TimerTrigger("0 17 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        await foreach (var organization in organizations.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            await users.PurgeExpiredAsync(organization.Id, PurgeBatch, cancellationToken).ConfigureAwait(false);
            await journal.PurgeAsync(organization.Id, options.JournalRetentionDays, cancellationToken).ConfigureAwait(false);
        }
    }
}
