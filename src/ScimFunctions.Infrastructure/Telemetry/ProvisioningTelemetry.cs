using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ScimFunctions.Infrastructure.Telemetry;

/// <summary>
/// One structured record per SCIM request (the provisioning log), and a trace span with the same tags. The field
/// names are the ones docs/troubleshooting.md and the workbook query in Application Insights.
/// Never carries a token, a token hash or a request body.
/// </summary>
public static partial class ProvisioningTelemetry
{
    public const string SourceName = "ScimFunctions";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The fields of one provisioning record.</summary>
    public sealed record Record(
        string Operation,
        string? OrganizationId,
        string ResourceType,
        string? ResourceId,
        string? ExternalId,
        string? UserName,
        int Status,
        string? ScimType,
        string? Detail,
        double DurationMs,
        string IdentityProvider,
        string RequestId,
        string? Note = null);

    public static void Write(ILogger logger, Record record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var level = record.Status >= 500 ? LogLevel.Error : record.Status >= 400 ? LogLevel.Warning : LogLevel.Information;
        var durationMs = Math.Round(record.DurationMs, 1);
        Provisioning(logger, level, record.Operation, record.OrganizationId ?? "-", record.ResourceType, record.ResourceId ?? "-",
            record.ExternalId ?? "-", record.UserName ?? "-", record.Status, record.ScimType ?? "-", record.Detail ?? "-",
            durationMs, record.IdentityProvider, record.RequestId, record.Note ?? "-");

        if (Activity.Current is { } activity)
        {
            activity.SetTag("scim.operation", record.Operation);
            activity.SetTag("scim.organization_id", record.OrganizationId);
            activity.SetTag("scim.resource_type", record.ResourceType);
            activity.SetTag("scim.resource_id", record.ResourceId);
            activity.SetTag("scim.external_id", record.ExternalId);
            activity.SetTag("scim.user_name", record.UserName);
            activity.SetTag("scim.status", record.Status);
            activity.SetTag("scim.scim_type", record.ScimType);
            activity.SetTag("scim.identity_provider", record.IdentityProvider);
            activity.SetTag("scim.request_id", record.RequestId);
            activity.SetTag("scim.note", record.Note);
            activity.SetStatus(record.Status >= 500 ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
        }
    }

    /// <summary>Entra ID, Okta or Other, from the User-Agent.</summary>
    public static string IdentityProviderOf(string? userAgent) =>
        userAgent switch
        {
            null => "Other",
            _ when userAgent.Contains("Okta", StringComparison.OrdinalIgnoreCase) => "Okta",
            _ when userAgent.Contains("Azure Active Directory", StringComparison.OrdinalIgnoreCase)
                || userAgent.Contains("AzureAD", StringComparison.OrdinalIgnoreCase)
                || userAgent.Contains("Entra", StringComparison.OrdinalIgnoreCase)
                || userAgent.Contains("Microsoft", StringComparison.OrdinalIgnoreCase) => "Entra ID",
            _ => "Other",
        };

    [LoggerMessage(EventId = 1000, Message = "SCIM {Operation} {ResourceType} {ResourceId} for organization {OrganizationId}: {Status} {ScimType} in {DurationMs} ms; externalId {ExternalId}, userName {UserName}, from {IdentityProvider}, request {RequestId}, note {Note}: {Detail}")]
    private static partial void Provisioning(
        ILogger logger,
        LogLevel level,
        string operation,
        string organizationId,
        string resourceType,
        string resourceId,
        string externalId,
        string userName,
        int status,
        string scimType,
        string detail,
        double durationMs,
        string identityProvider,
        string requestId,
        string note);

    /// <summary>
    /// A credential in use expires within 30 days: Entra ID quarantines a job whose credential expires, so the admin must
    /// rotate it (issue a new one, enter it in the identity provider, revoke the old). Written at most hourly per credential.
    /// </summary>
    /// <summary>
    /// The mass-change guard: more deactivations and deletes in one organization's window than its thresholds allow
    /// (infra/app/monitoring.bicep turns this record into an alert; the troubleshooting guide says what to do).
    /// </summary>
    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Mass change in organization {OrganizationId}: {Changed} users deactivated or deleted of {Population} within {WindowMinutes} minutes; check the identity provider's scoping, then 'scim-admin org undo-window {OrganizationId} --since {WindowMinutes}m' if it was a mistake")]
    public static partial void MassChange(ILogger logger, string organizationId, int changed, long population, int windowMinutes);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Credential {CredentialId} of organization {OrganizationId} expires {ExpiresOn:u} (in {DaysLeft} days): rotate it")]
    public static partial void CredentialExpiring(ILogger logger, string organizationId, string credentialId, DateTimeOffset expiresOn, int daysLeft);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "SCIM {Operation} failed unexpectedly (request {RequestId})")]
    public static partial void Unexpected(ILogger logger, Exception exception, string operation, string requestId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "SCIM {Operation}: a dependency is unavailable ({Dependency}: {Cause}) (request {RequestId})")]
    public static partial void DependencyUnavailable(ILogger logger, string cause, string operation, string dependency, string requestId);
}
