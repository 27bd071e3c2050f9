using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Telemetry;

namespace ScimFunctions.Http;

/// <summary>
/// POST /api/sch/oauth/token (RFC 6749 §4.4, §5): <c>grant_type=client_credentials</c> with the client authenticated
/// by HTTP Basic (<c>client_secret_basic</c>) or in the form (<c>client_secret_post</c>); <c>scope</c> is ignored.
/// Answers are <c>application/json</c> as RFC 6749 §5 requires (the one exception to <c>application/scim+json</c>),
/// with <c>Cache-Control: no-store</c>.
/// </summary>
public sealed class OAuthTokenEndpoint(ClientCredentials clients, ScimHostOptions options, ILogger<OAuthTokenEndpoint> logger, TimeProvider time)
{
    private const int MaxFormBytes = 16 * 1024;

    public async Task<IActionResult> RunAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestId = Guid.NewGuid().ToString("N");
        var started = time.GetTimestamp();
        using var activity = ProvisioningTelemetry.Source.StartActivity("OAuthToken", ActivityKind.Internal);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(request.HttpContext.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        OAuthResult result;
        try
        {
            result = await HandleAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = OAuthResult.Unavailable(options.RetryAfterSeconds);
        }

        ProvisioningTelemetry.Write(logger, new ProvisioningTelemetry.Record(
            "OAuthToken", result.OrganizationId, "AccessToken", null, null, null, result.Status, result.ErrorCode, null,
            time.GetElapsedTime(started).TotalMilliseconds, ProvisioningTelemetry.IdentityProviderOf(request.Headers.UserAgent.ToString()), requestId));
        return result;
    }

    private async Task<OAuthResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType || request.ContentLength > MaxFormBytes)
        {
            return OAuthResult.Failure(400, "invalid_request", "Send the request as application/x-www-form-urlencoded.");
        }

        var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        var basic = ReadBasic(request.Headers.Authorization.ToString());
        string? clientId = basic?.Id ?? Single(form, "client_id");
        string? clientSecret = basic?.Secret ?? Single(form, "client_secret");
        if (basic is not null && (form.ContainsKey("client_secret")))
        {
            return OAuthResult.Failure(400, "invalid_request", "Authenticate the client one way: the Authorization header or the form, not both.");
        }

        var grantType = Single(form, "grant_type");
        if (grantType is null)
        {
            return OAuthResult.Failure(400, "invalid_request", "grant_type is required.");
        }

        if (!string.Equals(grantType, "client_credentials", StringComparison.Ordinal))
        {
            return OAuthResult.Failure(400, "unsupported_grant_type", "Only the client_credentials grant is supported.");
        }

        var assertionType = Single(form, "client_assertion_type");
        var assertion = Single(form, "client_assertion");
        if (assertionType is not null || assertion is not null)
        {
            // Workload identity federation (RFC 7523 §2.2): a JWT from the client's identity provider, no secret.
            if (!string.Equals(assertionType, ClientCredentials.JwtBearerAssertionType, StringComparison.Ordinal) || string.IsNullOrEmpty(assertion)
                || string.IsNullOrEmpty(clientId) || basic is not null || clientSecret is not null)
            {
                return OAuthResult.Failure(400, "invalid_request", $"A client assertion needs client_assertion_type '{ClientCredentials.JwtBearerAssertionType}', client_assertion and client_id, and no secret.");
            }

            return Answer(await clients.GrantFederatedAsync(clientId, assertion, cancellationToken).ConfigureAwait(false), "the assertion was not accepted (issuer, subject, audience, signature, lifetime or a replayed jti)");
        }

        if (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(clientSecret))
        {
            return OAuthResult.InvalidClient("The client is not authenticated: send client_id and client_secret.");
        }

        return Answer(await clients.GrantAsync(clientId, clientSecret, cancellationToken).ConfigureAwait(false), "the client id or secret is unknown, wrong or revoked");
    }

    private OAuthResult Answer(TokenGrant grant, string why) =>
        grant switch
        {
            TokenGrant.Issued issued => OAuthResult.Token(issued.AccessToken, issued.ExpiresIn, issued.OrganizationId),
            TokenGrant.Unavailable => OAuthResult.Unavailable(options.RetryAfterSeconds),
            _ => OAuthResult.InvalidClient($"Client authentication failed: {why}."),
        };

    private static string? Single(IFormCollection form, string name) =>
        form.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    /// <summary>RFC 6749 §2.3.1: Basic with the form-urlencoded client id and secret.</summary>
    private static (string Id, string Secret)? ReadBasic(string authorization)
    {
        const string scheme = "Basic ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[scheme.Length..].Trim()));
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (Uri.UnescapeDataString(text[..colon].Replace('+', ' ')), Uri.UnescapeDataString(text[(colon + 1)..].Replace('+', ' ')));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>One token endpoint answer and its HTTP form.</summary>
    private sealed class OAuthResult(int status, JsonObject body) : IActionResult
    {
        public int Status => status;

        public string? ErrorCode => body["error"]?.GetValue<string>();

        public string? OrganizationId { get; private init; }

        public int? RetryAfter { get; private init; }

        public bool Challenge { get; private init; }

        public static OAuthResult Token(string accessToken, int expiresIn, string organizationId) =>
            new(200, new JsonObject { ["access_token"] = accessToken, ["token_type"] = "Bearer", ["expires_in"] = expiresIn }) { OrganizationId = organizationId };

        public static OAuthResult Failure(int status, string error, string description) =>
            new(status, new JsonObject { ["error"] = error, ["error_description"] = description });

        public static OAuthResult InvalidClient(string description) => new(401, new JsonObject { ["error"] = "invalid_client", ["error_description"] = description })
        {
            Challenge = true,
        };

        public static OAuthResult Unavailable(int retryAfter) =>
            new(503, new JsonObject { ["error"] = "temporarily_unavailable", ["error_description"] = "The credential store is unavailable; retry later." })
            {
                RetryAfter = retryAfter,
            };

        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = status;
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
            if (Challenge)
            {
                response.Headers.WWWAuthenticate = "Basic realm=\"SCIM\"";
            }

            if (RetryAfter is { } seconds)
            {
                response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            response.ContentType = "application/json; charset=utf-8";
            await response.WriteAsync(body.ToJsonString(), context.HttpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
