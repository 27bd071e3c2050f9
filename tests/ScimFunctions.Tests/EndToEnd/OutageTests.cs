using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Http;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Provisioning;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.LocalHost;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.EndToEnd;

public sealed class OutageTests
{
    [Fact]
    public async Task Storage_going_away_is_503_with_retry_after_within_seconds_and_never_a_hang()
    {
        var azurite = new Azurite();
        await azurite.InitializeAsync();
        var token = ScimToken.GenerateLegacy();
        var tokenFile = Path.Combine(Path.GetTempPath(), "scim-outage-" + Guid.NewGuid().ToString("N") + ".json");
        await using var server = await LocalServer.StartAsync(
            new LocalServerSettings
            {
                Port = 0,
                StorageConnectionString = azurite.ConnectionString,
                Tokens = new Dictionary<string, string> { ["outage"] = token },
                Configuration = new Dictionary<string, string?>
                {
                    // The default timeouts and retries: a storage that refuses connections is a 503 within 2 seconds.
                    ["Scim:KeyVault:LocalStorePath"] = tokenFile,
                },
            },
            TextWriter.Null,
            CancellationToken.None);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(201, (int)(await http.PostAsync(server.BaseUrl + "/Users", JsonContent("""{"userName":"before@example.com"}"""))).StatusCode);

        await azurite.DisposeAsync();
        var clock = Stopwatch.StartNew();
        using var response = await http.PostAsync(server.BaseUrl + "/Users", JsonContent("""{"userName":"during@example.com"}"""));
        clock.Stop();

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("5", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal("application/scim+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        File.Delete(tokenFile);
    }

    [Fact]
    public async Task An_unexpected_exception_is_a_scim_500_without_internals()
    {
        var store = new Mock<ITokenStore>();
        var token = ScimToken.GenerateLegacy();
        store.Setup(s => s.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(new TokenRecord("contoso", "tok", DateTimeOffset.UnixEpoch, false));
        // A read: the journal and the guard (writes only) are never reached, so their table is never contacted.
        var services = new ProvisioningServices(new ScimTable(new Azure.Data.Tables.TableClient("UseDevelopmentStorage=true", "scim")), Core.Schema.ScimSchemaRegistry.Default,
            new ProvisioningOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var endpoint = new ScimEndpoint(new TokenAuthenticator(store.Object, new TokenAuthenticationOptions(), TimeProvider.System),
            new OrganizationRateLimiter(new RateLimitOptions(), TimeProvider.System), new ScimHostOptions(), NullLogger<ScimEndpoint>.Instance, TimeProvider.System,
            services.Journal, services.Guard);
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + token;
        context.Response.Body = new MemoryStream();

        var result = await endpoint.RunAsync(context.Request, ScimOperation.GetUser,
            (_, _) => throw new InvalidOperationException("secret internal detail at Foo.Bar()"));
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));

        Assert.Equal(500, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.DoesNotContain("secret internal detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Foo.Bar", body, StringComparison.Ordinal);
        Assert.Equal("500", JsonNode.Parse(body)!["status"]!.GetValue<string>());
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/scim+json");
}
