using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Http;

namespace ScimFunctions.Functions;

/// <summary>The OAuth 2.0 token endpoint Entra ID's "OAuth2 Client Credentials Grant" calls: /api/sch/oauth/token.</summary>
public sealed class OAuthFunctions(OAuthTokenEndpoint endpoint)
{
    [Function("OAuthToken")]
    public Task<IActionResult> Token([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.OAuthToken)] HttpRequest request) =>
        endpoint.RunAsync(request);
}
