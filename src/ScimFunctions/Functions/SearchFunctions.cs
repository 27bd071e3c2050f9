using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Http;

namespace ScimFunctions.Functions;

/// <summary>POST /.search at the service root (RFC 7644 §3.4.3): users and groups in one search.</summary>
public sealed class SearchFunctions(ScimEndpoint endpoint, RootSearch search)
{
    [Function("SearchAll")]
    public Task<IActionResult> Search([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Search)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.SearchAll, (call, ct) => search.SearchAsync(call.Context, call.ListFromSearchBody(), ct));
}
