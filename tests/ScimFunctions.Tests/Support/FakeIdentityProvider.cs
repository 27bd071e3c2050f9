using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ScimFunctions.Tests.Support;

/// <summary>
/// An identity provider on a loopback port, as Entra ID is to workload identity federation: it publishes an OpenID
/// configuration and a JWKS of locally generated RSA keys, and signs client assertions with them.
/// </summary>
public sealed class FakeIdentityProvider : IAsyncDisposable
{
    private readonly List<RsaSecurityKey> _keys = [];
    private WebApplication? _app;

    public string Issuer { get; private set; } = string.Empty;

    public int MetadataRequests { get; private set; }

    public static async Task<FakeIdentityProvider> StartAsync()
    {
        var provider = new FakeIdentityProvider();
        provider.RotateKey();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        provider._app = builder.Build();
        provider._app.MapGet("/tenant/v2.0/.well-known/openid-configuration", () =>
        {
            provider.MetadataRequests++;
            return Results.Json(new JsonObject { ["issuer"] = provider.Issuer, ["jwks_uri"] = provider.Issuer.Replace("/v2.0", "/discovery/v2.0/keys", StringComparison.Ordinal) });
        });
        provider._app.MapGet("/tenant/discovery/v2.0/keys", () => Results.Json(new JsonObject
        {
            ["keys"] = new JsonArray([.. provider._keys.Select(k =>
            {
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(k);
                return (JsonNode)new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["kid"] = jwk.Kid, ["n"] = jwk.N, ["e"] = jwk.E };
            })]),
        }));
        await provider._app.StartAsync();
        var address = provider._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        provider.Issuer = address + "/tenant/v2.0";
        return provider;
    }

    /// <summary>Publishes a new signing key (the old ones stay published) and signs with it from now on.</summary>
    public void RotateKey() => _keys.Add(new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") });

    /// <summary>A client assertion as Entra ID signs it (RFC 7523 §3).</summary>
    public string Assertion(string subject, string audience, string? issuer = null, TimeSpan? lifetime = null, DateTime? issuedAt = null, RsaSecurityKey? key = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("jti", Guid.NewGuid().ToString("N"))]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            SigningCredentials = new SigningCredentials(key ?? _keys[^1], SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
