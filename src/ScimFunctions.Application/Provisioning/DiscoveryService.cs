using ScimFunctions.Core.Discovery;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Application.Provisioning;

/// <summary>The discovery endpoints' documents for this deployment's schemas and capabilities.</summary>
public sealed class DiscoveryService(ScimSchemaRegistry registry, ProvisioningOptions options)
{
    private ServiceProviderCapabilities Capabilities => new()
    {
        MaxResults = options.MaxResults,
        DefaultPageSize = options.DefaultPageSize,
        CursorPagination = true,
    };

    public ScimResult ServiceProviderConfig(ScimRequestContext context) =>
        ScimResult.Ok(DiscoveryDocuments.ServiceProviderConfig(Capabilities, context.BaseUrl));

    public ScimResult Schemas(ScimRequestContext context) => ScimResult.Ok(DiscoveryDocuments.Schemas(registry, context.BaseUrl));

    public ScimResult Schema(ScimRequestContext context, string id) =>
        registry.FindSchema(id) is { } schema
            ? ScimResult.Ok(DiscoveryDocuments.Schema(schema, context.BaseUrl))
            : ScimError.NotFound($"Schema '{id}' not found.");

    public ScimResult ResourceTypes(ScimRequestContext context) => ScimResult.Ok(DiscoveryDocuments.ResourceTypes(registry, context.BaseUrl));

    public ScimResult ResourceType(ScimRequestContext context, string id) =>
        registry.FindResourceType(id) is { } type
            ? ScimResult.Ok(DiscoveryDocuments.ResourceType(type, context.BaseUrl))
            : ScimError.NotFound($"Resource type '{id}' not found.");
}
