using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ScimFunctions.Infrastructure.Authentication;
using ScimFunctions.Infrastructure.Diagnostics;
using ScimFunctions.Infrastructure.Storage;
using ScimFunctions.LocalHost;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.Reliability;

/// <summary>
/// Storage stops answering in the middle of a provisioning run (the emulator is frozen) and comes back with its data:
/// requests meanwhile are 503 within the time limit, and afterwards the organization is consistent and every
/// acknowledged create is there.
/// </summary>
public sealed class StorageOutageRecoveryTests
{
    [Fact]
    public async Task Storage_going_away_mid_run_gives_quick_503s_and_when_it_is_back_nothing_acknowledged_is_lost()
    {
        var data = Directory.CreateTempSubdirectory("scim-outage-");
        var azurite = new Azurite();
        await azurite.InitializeAsync();
        var token = ScimToken.GenerateLegacy();
        var tokenFile = Path.Combine(data.FullName, "tokens.json");
        try
        {
            await using var server = await LocalServer.StartAsync(
                new LocalServerSettings
                {
                    Port = 0,
                    StorageConnectionString = azurite.ConnectionString,
                    Tokens = new Dictionary<string, string> { ["restart"] = token },
                    Configuration = new Dictionary<string, string?>
                    {
                        ["Scim:KeyVault:LocalStorePath"] = tokenFile,
                        ["Scim:Storage:NetworkTimeoutSeconds"] = "1",
                        ["Scim:Storage:MaxRetries"] = "0",
                    },
                },
                TextWriter.Null,
                CancellationToken.None);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var acknowledged = new List<string>();
            var outage = new List<(int Status, TimeSpan Took, string? RetryAfter)>();

            for (var i = 0; i < 90; i++)
            {
                if (i == 40)
                {
                    await azurite.PauseAsync();
                }

                if (i == 55)
                {
                    await azurite.ResumeAsync();
                }

                var clock = Stopwatch.StartNew();
                using var response = await PostAsync(http, server.BaseUrl, token, $"user{i}@example.com");
                clock.Stop();
                if ((int)response.StatusCode == 201)
                {
                    acknowledged.Add($"user{i}@example.com");
                }
                else if (i is >= 40 and < 55)
                {
                    outage.Add(((int)response.StatusCode, clock.Elapsed, response.Headers.RetryAfter?.ToString()));
                }
            }

            Assert.Equal(15, outage.Count);
            Assert.All(outage, o =>
            {
                Assert.Equal(503, o.Status);
                Assert.Equal("5", o.RetryAfter);
                Assert.True(o.Took < TimeSpan.FromSeconds(2), $"a request took {o.Took} during the outage");
            });
            Assert.True(acknowledged.Count >= 75, $"only {acknowledged.Count} creates were acknowledged after the restart");

            var problems = await OrganizationInvariantChecker.CheckAsync(server.App.Services.GetRequiredService<ScimTable>(), "restart");
            Assert.Empty(problems);
            foreach (var userName in acknowledged)
            {
                using var lookup = new HttpRequestMessage(HttpMethod.Get, $"{server.BaseUrl}/Users?filter={Uri.EscapeDataString($"userName eq \"{userName}\"")}");
                lookup.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var found = await http.SendAsync(lookup);
                Assert.Contains("\"totalResults\":1", await found.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        finally
        {
            await azurite.DisposeAsync();
            data.Delete(recursive: true);
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string baseUrl, string token, string userName)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/Users")
        {
            Content = new StringContent($"{{\"userName\":\"{userName}\"}}", Encoding.UTF8, "application/scim+json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }
}
