using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using ScimFunctions.Infrastructure.Storage;

namespace ScimFunctions.Infrastructure.Authentication;

/// <summary>Settings of workload identity federation (configuration section <c>Scim:OAuth</c>).</summary>
public sealed class FederationOptions
{
    /// <summary>Where an issuer's OpenID configuration is; <c>{issuer}</c> is replaced. Default the OpenID Connect discovery path.</summary>
    public string MetadataAddressTemplate { get; set; } = "{issuer}/.well-known/openid-configuration";

    /// <summary>Refuse metadata over plain HTTP (off only for local tests with an in-process key server).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The longest lifetime an assertion may claim (exp − iat); Entra ID's are minutes. Default 1 hour.</summary>
    public int MaxAssertionLifetimeSeconds { get; set; } = 3600;
}

/// <summary>Why an assertion was not accepted, or that it was.</summary>
public enum AssertionOutcome
{
    Valid,
    Invalid,
    Replayed,
    Unavailable,
}

/// <summary>
/// Checks a client assertion (RFC 7523 §2.2, <c>urn:ietf:params:oauth:client-assertion-type:jwt-bearer</c>) against a
/// registered <see cref="FederatedClient"/>: signed by a key the issuer publishes (its OpenID configuration and JWKS,
/// cached and refreshed when a token names an unknown <c>kid</c>), <c>iss</c>, <c>sub</c> and <c>aud</c> equal to the
/// registered values, within <c>exp</c>/<c>nbf</c>, and a <c>jti</c> never seen before by any instance (a row per
/// <c>jti</c> in Table Storage, inserted or refused atomically).
/// Entra ID's <c>sub</c> is the object id of its provisioning service's workload identity, not the client id that
/// RFC 7523 §3 names: the registered subject is what is matched.
/// </summary>
public sealed class FederatedAssertions(ScimTable table, FederationOptions options, TimeProvider time)
{
    /// <summary>The partition of <c>jti</c> rows (outside every organization's).</summary>
    public const string ReplayPartition = "~jti";

    /// <summary>How long an issuer's keys are used before they are read again.</summary>
    private static readonly TimeSpan KeysLifetime = TimeSpan.FromHours(12);

    /// <summary>The shortest time between two reads forced by an unknown <c>kid</c>.</summary>
    private static readonly TimeSpan ForcedReadInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, IssuerKeys> _issuers = new(StringComparer.Ordinal);

    public async Task<AssertionOutcome> ValidateAsync(string assertion, FederatedClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        for (var attempt = 0; ; attempt++)
        {
            OpenIdConnectConfiguration configuration;
            try
            {
                configuration = await ConfigurationAsync(client.Issuer, forceRead: attempt > 0, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException or Microsoft.IdentityModel.Protocols.Configuration.InvalidConfigurationException)
            {
                return AssertionOutcome.Unavailable;
            }

            var result = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
            {
                ValidIssuer = client.Issuer,
                ValidAudience = client.Audience,
                IssuerSigningKeys = configuration.SigningKeys,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromMinutes(2),
                LifetimeValidator = (notBefore, expires, _, parameters) =>
                {
                    var now = time.GetUtcNow().UtcDateTime;
                    return expires is { } end && now < end.Add(parameters.ClockSkew)
                        && (notBefore is not { } start || now >= start.Subtract(parameters.ClockSkew));
                },
            }).ConfigureAwait(false);
            if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException && attempt == 0)
            {
                // A key the issuer rotated in since we read its keys: read them again, once (at most every 30 s).
                continue;
            }

            if (!result.IsValid || result.SecurityToken is not JsonWebToken token
                || !string.Equals(token.Subject, client.Subject, StringComparison.Ordinal)
                || string.IsNullOrEmpty(token.Id)
                || (token.IssuedAt != DateTime.MinValue && (token.ValidTo - token.IssuedAt).TotalSeconds > options.MaxAssertionLifetimeSeconds))
            {
                return AssertionOutcome.Invalid;
            }

            return await RememberOnceAsync(client.Issuer, token.Id, token.ValidTo, cancellationToken).ConfigureAwait(false)
                ? AssertionOutcome.Valid
                : AssertionOutcome.Replayed;
        }
    }

    /// <summary>The issuer's OpenID configuration with its signing keys, cached; read again when old or when asked to.</summary>
    private async Task<OpenIdConnectConfiguration> ConfigurationAsync(string issuer, bool forceRead, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var forced = forceRead && (!_issuers.TryGetValue(issuer, out var last) || now - last.LastForced >= ForcedReadInterval);
        if (_issuers.TryGetValue(issuer, out var cached) && now - cached.Read < KeysLifetime && !forced)
        {
            return cached.Configuration;
        }

        var address = options.MetadataAddressTemplate.Replace("{issuer}", issuer.TrimEnd('/'), StringComparison.Ordinal);
        var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(address, new HttpDocumentRetriever { RequireHttps = options.RequireHttpsMetadata }, cancellationToken)
            .ConfigureAwait(false);
        _issuers[issuer] = new IssuerKeys(configuration, now, forced ? now : cached?.LastForced ?? DateTimeOffset.MinValue);
        return configuration;
    }

    private sealed record IssuerKeys(OpenIdConnectConfiguration Configuration, DateTimeOffset Read, DateTimeOffset LastForced);

    /// <summary>Inserts the assertion's <c>jti</c>; false when any instance inserted it first (a replay).</summary>
    private async Task<bool> RememberOnceAsync(string issuer, string jti, DateTime expires, CancellationToken cancellationToken)
    {
        var row = new TableEntity(ReplayPartition, ScimToken.Hash(issuer + "\n" + jti)) { ["Expires"] = new DateTimeOffset(expires, TimeSpan.Zero) };
        try
        {
            await table.SubmitAsync([new TableTransactionAction(TableTransactionActionType.Add, row)], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }
}
