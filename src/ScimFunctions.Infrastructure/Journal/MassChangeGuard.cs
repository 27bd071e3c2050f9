using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using ScimFunctions.Infrastructure.Organizations;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.Infrastructure.Telemetry;

namespace ScimFunctions.Infrastructure.Journal;

/// <summary>
/// Notices a scoping mistake in the identity provider: when deactivations and deletes of one organization within a
/// sliding window exceed both a number of users and a share of its active users (default: more than 50 and more than
/// 20 % within 15 minutes; per organization with <c>scim-admin org set-guard</c>), it writes one alert record
/// (<c>MassChange</c>, EventId 1005; <c>infra/</c> turns it into an Azure Monitor alert) and keeps serving: refusing would
/// only make Entra retry or quarantine. <c>scim-admin org undo-window</c> reverses the window. The count is read from the
/// journal, so it is the same whichever instance served the changes.
/// </summary>
public sealed class MassChangeGuard(ScimTable table, ActivityJournal journal, OrganizationCounters counters, TimeProvider time, ILogger<MassChangeGuard> logger)
{
    public static readonly IReadOnlySet<string> Counted = ActivityJournal.RemovalEffects;

    /// <summary>
    /// At most one count per organization and instance in this time (a count reads the window's journal removal rows and the
    /// totals); a change that falls inside it is counted by a check this long after it, so none is left uncounted.
    /// </summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _checked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);

    /// <summary>After a committed write: counts the window when it was a deactivation or delete; true when it raised the alert.</summary>
    public async Task<bool> ObserveAsync(string organizationId, string? effect, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (effect is null || !Counted.Contains(effect))
        {
            return false;
        }

        if (_checked.TryGetValue(organizationId, out var last) && now - last < CheckInterval)
        {
            // Counted by one check after the interval, whatever else arrives meanwhile.
            if (_pending.TryAdd(organizationId, 0))
            {
                await Task.Delay(CheckInterval - (now - last), time, cancellationToken).ConfigureAwait(false);
                _pending.TryRemove(organizationId, out _);
                return await ObserveAsync(organizationId, effect, cancellationToken).ConfigureAwait(false);
            }

            return false;
        }

        _checked[organizationId] = now;
        return await CheckAsync(organizationId, now, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> CheckAsync(string organizationId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var snapshot = await counters.ReadAsync(organizationId, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            return false;
        }

        var guard = MassChangeSettings.Read(snapshot.Row);
        var window = TimeSpan.FromMinutes(guard.Minutes);
        var changed = await journal.CountAsync(organizationId, now - window, Counted, cancellationToken).ConfigureAwait(false);
        var population = snapshot.Totals.ActiveUsers + changed;
        if (changed <= guard.Users || changed * 100 <= guard.Percent * population)
        {
            return false;
        }

        // One alert per window: the alert row remembers the last one, and only the writer that moves it alerts.
        var alert = await table.GetAsync(organizationId, TableLayout.MassChangeAlertRow, cancellationToken).ConfigureAwait(false);
        if (alert?.GetDateTimeOffset("Alerted") is { } alerted && now - alerted < window)
        {
            return false;
        }

        var row = new TableEntity(organizationId, TableLayout.MassChangeAlertRow) { ["Alerted"] = now, ["Changed"] = changed, ["Population"] = population };
        try
        {
            await table.SubmitAsync(
                [alert is null ? new TableTransactionAction(TableTransactionActionType.Add, row) : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, alert.ETag)],
                cancellationToken).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }

        ProvisioningTelemetry.MassChange(logger, organizationId, changed, population, guard.Minutes);
        return true;
    }
}

/// <summary>The guard's thresholds of an organization (organization row; defaults 50 users, 20 %, 15 minutes).</summary>
public sealed record MassChangeSettings(int Users, int Percent, int Minutes)
{
    public const string UsersProperty = "MassChangeUsers";
    public const string PercentProperty = "MassChangePercent";
    public const string MinutesProperty = "MassChangeMinutes";

    public static MassChangeSettings Default { get; } = new(50, 20, 15);

    internal static MassChangeSettings Read(TableEntity organizationRow) => new(
        organizationRow.GetInt32(UsersProperty) ?? Default.Users,
        organizationRow.GetInt32(PercentProperty) ?? Default.Percent,
        organizationRow.GetInt32(MinutesProperty) ?? Default.Minutes);
}
