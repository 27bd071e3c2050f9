using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace ScimFunctions.Tests.Support;

/// <summary>
/// An in-memory Key Vault secrets REST API (the subset the token store uses) behind an HttpMessageHandler, so the
/// real <c>SecretClient</c> runs against it: the challenge flow (401 with <c>WWW-Authenticate</c>, then a Bearer
/// token), GET/PUT secrets, listing, updating attributes, 404 for unknown secrets, 403 for disabled ones.
/// </summary>
public sealed class FakeKeyVault : HttpMessageHandler
{
    /// <summary>
    /// This vault's address. Each fake has a host of its own: the Key Vault client caches a vault's authentication
    /// challenge per host for the whole process.
    /// </summary>
    public string VaultUri { get; } = $"https://fake-{Guid.NewGuid():N}"[..30] + ".vault.azure.net/";
    private readonly ConcurrentDictionary<string, JsonObject> _secrets = new(StringComparer.OrdinalIgnoreCase);
    private int _gets;

    /// <summary>When set, every request fails with this status (an outage or throttling).</summary>
    public HttpStatusCode? Outage { get; set; }

    /// <summary>Added before every answer (a slow vault).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The names of the secrets read by GET, in order.</summary>
    public IReadOnlyCollection<string> SecretsRead => _read.ToArray();

    private readonly ConcurrentQueue<string> _read = new();

    /// <summary>When set, every authenticated request is refused with 403 (the caller lacks the role).</summary>
    public bool Forbidden { get; set; }

    /// <summary>
    /// When set, every authenticated request is refused with 403 and this inner error code, as a vault whose public
    /// network access is off answers (<c>ForbiddenByConnection</c>, "Public network access is disabled…").
    /// </summary>
    public string? ForbiddenBy { get; set; }

    public int UnauthenticatedRequests { get; private set; }

    /// <summary>The real token store over the real SecretClient, talking to this vault (no retries unless configured).</summary>
    public Infrastructure.Authentication.KeyVaultTokenStore TokenStore(Azure.Core.TokenCredential? credential = null, Action<Azure.Security.KeyVault.Secrets.SecretClientOptions>? configure = null)
    {
        var options = new Azure.Security.KeyVault.Secrets.SecretClientOptions
        {
            Transport = new Azure.Core.Pipeline.HttpClientTransport(new HttpClient(this, disposeHandler: false)),
            Retry = { MaxRetries = 0 },
        };
        configure?.Invoke(options);
        return new(new Azure.Security.KeyVault.Secrets.SecretClient(new Uri(VaultUri), credential ?? new FakeCredential(), options));
    }

    public int SecretGets => _gets;

    public IReadOnlyCollection<string> SecretNames => _secrets.Keys.ToList();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        if (Outage is { } outage)
        {
            return Json(outage, new JsonObject { ["error"] = new JsonObject { ["code"] = "ServiceUnavailable", ["message"] = "Injected outage" } });
        }

        if (request.Headers.Authorization is not { Scheme: "Bearer" } auth || auth.Parameter != FakeCredential.AccessToken)
        {
            UnauthenticatedRequests++;
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent(string.Empty) };
            challenge.Headers.TryAddWithoutValidation("WWW-Authenticate",
                "Bearer authorization=\"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47\", resource=\"https://vault.azure.net\"");
            return challenge;
        }

        if (ForbiddenBy is { } inner)
        {
            return Error(HttpStatusCode.Forbidden, "Forbidden", "Public network access is disabled and request is not from a trusted service nor via an approved private link.", inner);
        }

        if (Forbidden)
        {
            return Error(HttpStatusCode.Forbidden, "Forbidden", "Caller is not authorized to perform action on resource.", "ForbiddenByRbac");
        }

        var segments = request.RequestUri!.AbsolutePath.Trim('/').Split('/');
        if (segments[0] != "secrets")
        {
            return Error(HttpStatusCode.NotFound, "NotFound", "Unknown path");
        }

        if (segments.Length == 1 && request.Method == HttpMethod.Get)
        {
            var list = new JsonArray([.. _secrets.Values.Select(s => (JsonNode)Properties(s))]);
            return Json(HttpStatusCode.OK, new JsonObject { ["value"] = list, ["nextLink"] = null });
        }

        var name = segments[1];
        if (request.Method == HttpMethod.Get)
        {
            _read.Enqueue(name);
        }
        if (request.Method == HttpMethod.Put)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
            var secret = new JsonObject
            {
                ["value"] = body["value"]?.DeepClone(),
                ["id"] = $"{VaultUri}secrets/{name}/{Guid.NewGuid():N}",
                ["contentType"] = body["contentType"]?.DeepClone(),
                ["tags"] = body["tags"]?.DeepClone() ?? new JsonObject(),
                ["attributes"] = new JsonObject
                {
                    ["enabled"] = true,
                    ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    ["updated"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                },
            };
            _secrets[name] = secret;
            return Json(HttpStatusCode.OK, secret);
        }

        if (!_secrets.TryGetValue(name, out var stored))
        {
            return Error(HttpStatusCode.NotFound, "SecretNotFound", $"A secret with (name/id) {name} was not found in this key vault.");
        }

        if (request.Method == HttpMethod.Get)
        {
            Interlocked.Increment(ref _gets);
            if (stored["attributes"]!["enabled"]!.GetValue<bool>() == false)
            {
                return Error(HttpStatusCode.Forbidden, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
            }

            return Json(HttpStatusCode.OK, stored);
        }

        if (request.Method == HttpMethod.Patch)
        {
            var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!.AsObject();
            if (body["attributes"]?["enabled"] is { } enabled)
            {
                stored["attributes"]!["enabled"] = enabled.GetValue<bool>();
            }

            return Json(HttpStatusCode.OK, Properties(stored));
        }

        return Error(HttpStatusCode.MethodNotAllowed, "BadRequest", "Unsupported");
    }

    private static JsonObject Properties(JsonObject secret)
    {
        var properties = (JsonObject)secret.DeepClone();
        properties.Remove("value");
        return properties;
    }

    private static HttpResponseMessage Error(HttpStatusCode status, string code, string message, string? inner = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (inner is not null)
        {
            error["innererror"] = new JsonObject { ["code"] = inner };
        }

        return Json(status, new JsonObject { ["error"] = error });
    }

    private static HttpResponseMessage Json(HttpStatusCode status, JsonNode body) =>
        new(status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
}

/// <summary>A credential that hands out one fixed access token, as Entra ID would for the vault's scope.</summary>
public sealed class FakeCredential : Azure.Core.TokenCredential
{
    public const string AccessToken = "fake-access-token";

    public List<string> Scopes { get; } = [];

    public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Scopes.AddRange(requestContext.Scopes);
        return new Azure.Core.AccessToken(AccessToken, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
