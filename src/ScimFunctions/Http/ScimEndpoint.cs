using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Resources;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Journal;
using ScimFunctions.Infrastructure.Telemetry;

namespace ScimFunctions.Http;

/// <summary>
/// What every SCIM function does around its one service call: a request id, bearer-token authentication, a
/// per-organization rate limit, the body
/// (media type, size, JSON), a time limit, the mapping of dependency outages to 503 and of anything unexpected to a
/// SCIM 500 without internals, the HTTP response, and one provisioning record in the log.
/// </summary>
public sealed class ScimEndpoint(
    TokenAuthenticator authenticator,
    OrganizationRateLimiter rateLimiter,
    ScimHostOptions options,
    ILogger<ScimEndpoint> logger,
    TimeProvider time,
    ActivityJournal journal,
    MassChangeGuard guard)
{
    /// <summary>When each expiring credential was last warned about (per instance).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _warned = new(StringComparer.Ordinal);

    public async Task<IActionResult> RunAsync(
        HttpRequest request,
        ScimOperation operation,
        Func<ScimCall, CancellationToken, Task<ScimResult>> handler,
        string? routeId = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(handler);
        var requestId = Guid.NewGuid().ToString("N");
        var started = time.GetTimestamp();
        using var activity = ProvisioningTelemetry.Source.StartActivity(operation.Name, ActivityKind.Internal);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));

        string? organizationId = null;
        JsonNode? body = null;
        ScimHttpResult response;
        try
        {
            var authentication = await authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), timeout.Token).ConfigureAwait(false);
            organizationId = authentication.OrganizationId;
            WarnWhenExpiring(authentication);
            response = authentication.Outcome switch
            {
                AuthenticationOutcome.Rejected => new ScimHttpResult(
                    new ScimError(401, null, "The bearer token is missing, malformed, unknown or revoked. Check the Secret Token in the provisioning configuration."),
                    requestId) { Challenge = true },
                AuthenticationOutcome.Unavailable => Unavailable(operation, "token store", requestId, cause: null),
                _ when rateLimiter.TryAcquire(authentication.OrganizationId!) is { } wait => new ScimHttpResult(
                    new ScimError(429, null, "Too many requests for this organization; retry after the time in Retry-After."), requestId)
                {
                    RetryAfterSeconds = wait,
                },
                _ => new ScimHttpResult(await CallAsync(request, operation, handler, authentication.OrganizationId!, call => body = call, timeout.Token).ConfigureAwait(false), requestId),
            };
        }
        catch (ScimException e)
        {
            response = new ScimHttpResult(e.Error, requestId);
        }
        catch (Exception e) when (e is StorageUnavailableException or TokenStoreUnavailableException
            || (e is OperationCanceledException && timeout.IsCancellationRequested))
        {
            response = Unavailable(operation, e is TokenStoreUnavailableException ? "token store" : "storage", requestId, e.InnerException ?? e);
        }
        catch (Exception e)
        {
            ProvisioningTelemetry.Unexpected(logger, e, operation.Name, requestId);
            response = new ScimHttpResult(new ScimError(500, null, "An unexpected error occurred. Quote the request id to support."), requestId);
        }

        // Writes are journaled, except when the service could not be reached (a 5xx: storage is down, so would the journal be;
        // the request id still finds the provisioning record).
        if (organizationId is not null && operation.IsWrite && response.Result.Status < 500)
        {
            response = await JournalAsync(request, operation, routeId, organizationId, body, response, requestId).ConfigureAwait(false);
        }

        Record(request, operation, routeId, organizationId, response, time.GetElapsedTime(started).TotalMilliseconds, requestId);
        return response;
    }

    /// <summary>
    /// The activity journal's row of a write, and the reference code at the end of its error's detail (docs/troubleshooting.md);
    /// then the mass-change guard counts a deactivation or delete, in the background. Best effort: a journal that
    /// cannot be written (storage down) never changes the answer.
    /// </summary>
    private async Task<ScimHttpResult> JournalAsync(HttpRequest request, ScimOperation operation, string? routeId, string organizationId, JsonNode? body, ScimHttpResult response, string requestId)
    {
        var now = time.GetUtcNow();
        var code = ActivityJournal.NewCode(now);
        var result = response.Result;
        if (result.Error is not null)
        {
            response = new ScimHttpResult(result, requestId)
            {
                RetryAfterSeconds = response.RetryAfterSeconds,
                Challenge = response.Challenge,
                Reference = code,
            };
        }

        var resource = result.Body as JsonObject;
        var source = resource ?? body as JsonObject;
        var name = JsonValues.TryGetString(source?["userName"], out var userName) ? userName
            : JsonValues.TryGetString(source?["displayName"], out var displayName) && operation.ResourceType == "Group" ? displayName : null;
        var entry = new ActivityEntry(
            code,
            now,
            operation.Name,
            operation.ResourceType,
            JsonValues.TryGetString(resource?["id"], out var id) ? id : routeId,
            name,
            RequestAttributes.Names(body),
            result.Status is >= 200 and < 300 ? "committed" : "refused",
            result.Status,
            result.Error?.ScimType,
            result.Effect,
            requestId,
            ProvisioningTelemetry.IdentityProviderOf(request.Headers.UserAgent.ToString()));
        try
        {
            if (result.IsSuccess)
            {
                journal.Enqueue(organizationId, entry);
            }
            else
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await journal.WriteAsync(organizationId, entry, limit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is StorageUnavailableException or OperationCanceledException or Azure.RequestFailedException)
        {
            ProvisioningTelemetry.DependencyUnavailable(logger, "journal not written", operation.Name, "storage", requestId);
        }

        if (result.Effect is { } effect && MassChangeGuard.Counted.Contains(effect))
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await guard.ObserveAsync(organizationId, effect, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is StorageUnavailableException or Azure.RequestFailedException or OperationCanceledException)
                {
                    // Counted again at the next deactivation or delete.
                }
            });
        }

        return response;
    }

    /// <summary>A credential that expires within 30 days writes a warning record, at most hourly per credential and instance.</summary>
    private void WarnWhenExpiring(AuthenticationResult authentication)
    {
        if (authentication is not { Outcome: AuthenticationOutcome.Authenticated, Expires: { } expires, TokenId: { } credential })
        {
            return;
        }

        var now = time.GetUtcNow();
        var left = expires - now;
        if (left > TimeSpan.FromDays(30) || (_warned.TryGetValue(credential, out var last) && now - last < TimeSpan.FromHours(1)))
        {
            return;
        }

        _warned[credential] = now;
        ProvisioningTelemetry.CredentialExpiring(logger, authentication.OrganizationId!, credential, expires, (int)Math.Max(0, Math.Ceiling(left.TotalDays)));
    }

    private async Task<ScimResult> CallAsync(
        HttpRequest request, ScimOperation operation, Func<ScimCall, CancellationToken, Task<ScimResult>> handler, string organizationId, Action<JsonNode?> read, CancellationToken cancellationToken)
    {
        JsonNode? body = null;
        if (operation.ReadsBody)
        {
            body = await RequestBody.ReadAsync(request, options.MaxRequestBytes, cancellationToken).ConfigureAwait(false);
            read(body);
        }

        var context = new ScimRequestContext(organizationId, BaseUrl(request));
        var result = await handler(new ScimCall(request, context, body), cancellationToken).ConfigureAwait(false);
        return HttpMethods.IsGet(request.Method) ? result.IfNoneMatch(request.Headers.IfNoneMatch.ToString()) : result;
    }

    private ScimHttpResult Unavailable(ScimOperation operation, string dependency, string requestId, Exception? cause)
    {
        ProvisioningTelemetry.DependencyUnavailable(logger, Describe(cause), operation.Name, dependency, requestId);
        return new ScimHttpResult(new ScimError(503, null, "The service is temporarily unavailable; retry later."), requestId)
        {
            RetryAfterSeconds = options.RetryAfterSeconds,
        };
    }

    /// <summary>What failed, for the log: the status and error code Azure gave, or the kind of failure (no messages, no URLs).</summary>
    private static string Describe(Exception? cause) => cause switch
    {
        null => "no answer in time",
        Azure.RequestFailedException failed => $"{failed.GetType().Name} {failed.Status} {failed.ErrorCode}",
        OperationCanceledException => "time limit",
        _ => cause.GetType().Name,
    };

    private string BaseUrl(HttpRequest request) =>
        options.BaseUrl is { } configured
            ? configured.ToString().TrimEnd('/')
            : $"{request.Scheme}://{request.Host}{request.PathBase}{ScimHostOptions.BasePath}";

    private void Record(HttpRequest request, ScimOperation operation, string? routeId, string? organizationId, ScimHttpResult response, double durationMs, string requestId)
    {
        var result = response.Result;
        var resource = result.Body as JsonObject;
        var isResource = resource?["id"] is not null && resource["Resources"] is null;
        var userName = isResource && JsonValues.TryGetString(resource!["userName"], out var name) ? name : null;
        if (userName is not null && options.HashUserNamesInLogs)
        {
            userName = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userName.ToUpperInvariant())));
        }

        ProvisioningTelemetry.Write(logger, new ProvisioningTelemetry.Record(
            operation.Name,
            organizationId,
            operation.ResourceType,
            isResource && JsonValues.TryGetString(resource!["id"], out var id) ? id : routeId,
            isResource && JsonValues.TryGetString(resource!["externalId"], out var externalId) ? externalId : null,
            userName,
            result.Status,
            result.Error?.ScimType,
            result.Error?.Detail,
            durationMs,
            ProvisioningTelemetry.IdentityProviderOf(request.Headers.UserAgent.ToString()),
            requestId,
            result.Note));
    }
}
