using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using ScimFunctions.Application.Provisioning;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Http;

namespace ScimFunctions.Functions;

/// <summary>/ServiceProviderConfig, /Schemas and /ResourceTypes (RFC 7644 §4), generated from the schema model.</summary>
public sealed class DiscoveryFunctions(ScimEndpoint endpoint, DiscoveryService discovery)
{
    [Function("GetServiceProviderConfig")]
    public Task<IActionResult> ServiceProviderConfig([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ServiceProviderConfig)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.GetServiceProviderConfig, (call, _) => Task.FromResult(discovery.ServiceProviderConfig(call.Context)));

    [Function("ListSchemas")]
    public Task<IActionResult> Schemas([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Schemas)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.ListSchemas, (call, _) => Task.FromResult(discovery.Schemas(call.Context)));

    [Function("GetSchema")]
    public Task<IActionResult> Schema([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.Schema)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.GetSchema, (call, _) => Task.FromResult(discovery.Schema(call.Context, id)), id);

    [Function("ListResourceTypes")]
    public Task<IActionResult> ResourceTypes([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ResourceTypes)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.ListResourceTypes, (call, _) => Task.FromResult(discovery.ResourceTypes(call.Context)));

    [Function("GetResourceType")]
    public Task<IActionResult> ResourceType([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = Routes.ResourceType)] HttpRequest request, string id) =>
        endpoint.RunAsync(request, ScimOperation.GetResourceType, (call, _) => Task.FromResult(discovery.ResourceType(call.Context, id)), id);

    /// <summary>Any other path under the base URL: a SCIM 404, not the host's HTML one.</summary>
    [Function("UnknownEndpoint")]
    public Task<IActionResult> Unknown(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = Routes.Anything)] HttpRequest request) =>
        endpoint.RunAsync(request, ScimOperation.Unknown, (call, _) =>
            Task.FromResult(ScimResult.Failure(ScimError.NotFound($"There is no SCIM endpoint at {request.Method} {request.Path}."))));
}
