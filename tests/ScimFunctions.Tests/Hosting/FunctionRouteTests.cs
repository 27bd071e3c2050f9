using ScimFunctions.Functions;
using ScimFunctions.LocalHost;
using ScimFunctions.Tests.Support;

namespace ScimFunctions.Tests.Hosting;

/// <summary>The local server serves exactly the functions of the Functions app, and every SCIM endpoint is one.</summary>
[Collection(ScimServerCollection.Name)]
public sealed class FunctionRouteTests(ScimServer server)
{
    private static readonly string[] Endpoints =
    [
        "GET sch/scim/v2/Users", "POST sch/scim/v2/Users", "POST sch/scim/v2/Users/.search",
        "GET sch/scim/v2/Users/{id}", "PUT sch/scim/v2/Users/{id}", "PATCH sch/scim/v2/Users/{id}", "DELETE sch/scim/v2/Users/{id}",
        "GET sch/scim/v2/Groups", "POST sch/scim/v2/Groups", "POST sch/scim/v2/Groups/.search",
        "GET sch/scim/v2/Groups/{id}", "PUT sch/scim/v2/Groups/{id}", "PATCH sch/scim/v2/Groups/{id}", "DELETE sch/scim/v2/Groups/{id}",
        "GET sch/scim/v2/ServiceProviderConfig", "GET sch/scim/v2/Schemas", "GET sch/scim/v2/Schemas/{id}",
        "GET sch/scim/v2/ResourceTypes", "GET sch/scim/v2/ResourceTypes/{id}", "POST sch/scim/v2/.search",
        "POST sch/oauth/token",
    ];

    [Fact]
    public void Every_scim_endpoint_is_a_function_and_there_are_no_others_but_the_fallback()
    {
        var routes = FunctionRoutes.Discover(typeof(UserFunctions).Assembly);
        var served = routes.SelectMany(r => r.HttpMethods.Select(m => $"{m} {r.Route}")).ToHashSet(StringComparer.Ordinal);

        Assert.All(Endpoints, e => Assert.Contains(e, served));
        Assert.Equal(Endpoints.Length + 5, served.Count);
        Assert.All(served.Except(Endpoints), e => Assert.EndsWith("sch/scim/v2/{*path}", e, StringComparison.Ordinal));
        Assert.Equal(routes.Count, routes.Select(r => r.Name).Distinct().Count());
    }

    [Fact]
    public async Task Every_function_is_served_over_http_with_a_scim_answer()
    {
        foreach (var route in FunctionRoutes.Discover(typeof(UserFunctions).Assembly).Where(r => r.Route.StartsWith("sch/scim/v2", StringComparison.Ordinal)))
        {
            foreach (var method in route.HttpMethods)
            {
                var path = route.Route["sch/scim/v2".Length..].Replace("{id}", "00000000-0000-0000-0000-000000000000", StringComparison.Ordinal)
                    .Replace("{*path}", "nowhere", StringComparison.Ordinal);
                var response = await server.SendAsync(new HttpMethod(method), path, token: null);

                Assert.True(response.Status == 401, $"{method} {path}: {response.Status}");
                Assert.Equal("application/scim+json", response.MediaType);
            }
        }
    }
}
