using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

namespace ScimFunctions.LocalHost;

/// <summary>An HTTP-triggered function found by its attributes: the class, the method, its HTTP methods and route.</summary>
public sealed record FunctionRoute(string Name, Type Type, MethodInfo Method, IReadOnlyList<string> HttpMethods, string Route)
{
    /// <summary>The path as the Functions host serves it, under the default <c>api</c> prefix.</summary>
    public string Pattern => "/api/" + Route;
}

/// <summary>
/// Serves the function classes of the Functions app over Kestrel: each <c>[Function]</c> method whose request
/// parameter carries <c>[HttpTrigger]</c> becomes an endpoint with the trigger's methods and route. There is no second
/// route table: what the Functions host serves is what this serves.
/// </summary>
public static class FunctionRoutes
{
    public static IReadOnlyList<FunctionRoute> Discover(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var routes = new List<FunctionRoute>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
                if (function is null || trigger is null)
                {
                    continue;
                }

                var methods = (trigger.Methods ?? ["get", "post", "put", "patch", "delete"]).Select(m => m.ToUpperInvariant()).ToList();
                routes.Add(new FunctionRoute(function.Name, type, method, methods, trigger.Route ?? function.Name));
            }
        }

        return routes;
    }

    public static void Map(IEndpointRouteBuilder endpoints, IEnumerable<FunctionRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var route in routes)
        {
            endpoints.MapMethods(route.Pattern, route.HttpMethods, context => InvokeAsync(context, route)).WithDisplayName(route.Name);
        }
    }

    /// <summary>Creates the function class from the container and calls the method, binding the request and route values.</summary>
    private static async Task InvokeAsync(HttpContext context, FunctionRoute route)
    {
        var instance = route.Method.IsStatic ? null : ActivatorUtilities.CreateInstance(context.RequestServices, route.Type);
        var arguments = route.Method.GetParameters().Select<ParameterInfo, object?>(parameter => parameter.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => context.Request,
            var t when t == typeof(HttpContext) => context,
            var t when t == typeof(CancellationToken) => context.RequestAborted,
            var t when t == typeof(string) => context.GetRouteValue(parameter.Name!)?.ToString(),
            _ => throw new InvalidOperationException($"Function {route.Name}: parameter '{parameter.Name}' of type {parameter.ParameterType} cannot be bound by the local server."),
        }).ToArray();

        var result = route.Method.Invoke(instance, arguments) switch
        {
            Task<IActionResult> task => await task.ConfigureAwait(false),
            IActionResult action => action,
            _ => throw new InvalidOperationException($"Function {route.Name} does not return an IActionResult."),
        };
        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor())).ConfigureAwait(false);
    }
}
