using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Http;

namespace ScimFunctions.Functions;

/// <summary>/Users (RFC 7644 §3): each function reads the request, calls the user service, and returns its result.</summary>
public sealed class UserFunctions(ScimEndpoint endpoint, UserService users)
{
    [Function("ListUsers")]
    public Task<IActionResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Users)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.ListUsers, (call, ct) => users.ListAsync(call.Context, call.ListFromQuery(), ct));

    [Function("SearchUsers")]
    public Task<IActionResult> Search([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.UsersSearch)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.SearchUsers, (call, ct) => users.ListAsync(call.Context, call.ListFromSearchBody(), ct));

    [Function("CreateUser")]
    public Task<IActionResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = Routes.Users)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.CreateUser, (call, ct) => users.CreateAsync(call.Context, call.Body, ct));

    [Function("GetUser")]
    public Task<IActionResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.User)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.GetUser, (call, ct) => users.GetAsync(call.Context, id, call.Projection, ct), id);

    [Function("ReplaceUser")]
    public Task<IActionResult> Replace([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = Routes.User)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.ReplaceUser, (call, ct) => users.ReplaceAsync(call.Context, id, call.Body, call.IfMatch, ct), id);

    [Function("PatchUser")]
    public Task<IActionResult> Patch([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = Routes.User)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.PatchUser, (call, ct) => users.PatchAsync(call.Context, id, call.Body, call.IfMatch, call.Projection, ct), id);

    [Function("DeleteUser")]
    public Task<IActionResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = Routes.User)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.DeleteUser, (call, ct) => users.DeleteAsync(call.Context, id, call.IfMatch, ct), id);
}
