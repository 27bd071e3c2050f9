using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Http;

namespace ScimFunctions.Functions;

/// <summary>/Groups (RFC 7644 §3): each function reads the request, calls the group service, and returns its result.</summary>
public sealed class GroupFunctions(ScimEndpoint endpoint, GroupService groups)
{
    [Function("ListGroups")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Groups)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.ListGroups, (call, ct) => groups.ListAsync(call.Context, call.ListFromQuery(), ct));

    [Function("SearchGroups")]
    public Task<IActionResult> Search([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.GroupsSearch)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.SearchGroups, (call, ct) => groups.ListAsync(call.Context, call.ListFromSearchBody(), ct));

    [Function("CreateGroup")]
    public Task<IActionResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Groups)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.CreateGroup, (call, ct) => groups.CreateAsync(call.Context, call.Body, ct));

    [Function("GetGroup")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Group)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.GetGroup, (call, ct) => groups.GetAsync(call.Context, id, call.Projection, ct), id);

    [Function("ReplaceGroup")]
    public Task<IActionResult> Replace([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Routes.Group)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.ReplaceGroup, (call, ct) => groups.ReplaceAsync(call.Context, id, call.Body, call.IfMatch, ct), id);

    [Function("PatchGroup")]
    public Task<IActionResult> Patch([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Routes.Group)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.PatchGroup, (call, ct) => groups.PatchAsync(call.Context, id, call.Body, call.IfMatch, call.Projection, ct), id);

    [Function("DeleteGroup")]
    public Task<IActionResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Routes.Group)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.DeleteGroup, (call, ct) => groups.DeleteAsync(call.Context, id, call.IfMatch, ct), id);
}
