using System.Text.Json.Nodes;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Discovery;

/// <summary>
/// The /ServiceProviderConfig, /ResourceTypes and /Schemas documents (RFC 7643 §5–§7, RFC 7644 §4), generated
/// from the schema registry so that they describe exactly what the server implements.
/// </summary>
public static class DiscoveryDocuments
{
    public static JsonObject ServiceProviderConfig(ServiceProviderCapabilities capabilities, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        var document = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ServiceProviderConfigSchema),
        };
        if (capabilities.DocumentationUri is not null)
        {
            document["documentationUri"] = capabilities.DocumentationUri.ToString();
        }

        document["patch"] = new JsonObject { ["supported"] = true };
        document["bulk"] = new JsonObject { ["supported"] = false, ["maxOperations"] = 0, ["maxPayloadSize"] = 0 };
        document["filter"] = new JsonObject { ["supported"] = true, ["maxResults"] = capabilities.MaxResults };
        document["changePassword"] = new JsonObject { ["supported"] = false };
        document["sort"] = new JsonObject { ["supported"] = false };
        document["etag"] = new JsonObject { ["supported"] = true };
        var pagination = new JsonObject
        {
            ["cursor"] = capabilities.CursorPagination,
            ["index"] = true,
            ["defaultPaginationMethod"] = "index",
            ["defaultPageSize"] = capabilities.DefaultPageSize,
            ["maxPageSize"] = capabilities.MaxResults,
        };
        if (capabilities.CursorPagination)
        {
            pagination["cursorTimeout"] = capabilities.CursorTimeoutSeconds;
        }

        document["pagination"] = pagination;
        document["authenticationSchemes"] = new JsonArray(new JsonObject
        {
            ["type"] = "oauthbearertoken",
            ["name"] = "OAuth Bearer Token",
            ["description"] = "A long-lived secret token issued per organization, sent as 'Authorization: Bearer <token>'.",
            ["primary"] = true,
        });
        document["meta"] = Meta("ServiceProviderConfig", $"{baseUrl}/ServiceProviderConfig");
        return document;
    }

    public static JsonObject ResourceType(ResourceTypeDefinition resourceType, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        var extensions = new JsonArray();
        foreach (var extension in resourceType.Extensions)
        {
            extensions.Add(new JsonObject { ["schema"] = extension.Schema.Id, ["required"] = extension.Required });
        }

        return new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ResourceTypeSchema),
            ["id"] = resourceType.Id,
            ["name"] = resourceType.Name,
            ["endpoint"] = resourceType.Endpoint,
            ["description"] = resourceType.Description,
            ["schema"] = resourceType.CoreSchema.Id,
            ["schemaExtensions"] = extensions,
            ["meta"] = Meta("ResourceType", $"{baseUrl}/ResourceTypes/{resourceType.Id}"),
        };
    }

    public static JsonObject Schema(ScimSchema schema, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var attributes = new JsonArray();
        foreach (var attribute in schema.Attributes)
        {
            attributes.Add(Attribute(attribute));
        }

        return new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.SchemaSchema),
            ["id"] = schema.Id,
            ["name"] = schema.Name,
            ["description"] = schema.Description,
            ["attributes"] = attributes,
            ["meta"] = Meta("Schema", $"{baseUrl}/Schemas/{schema.Id}"),
        };
    }

    public static JsonObject ResourceTypes(ScimSchemaRegistry registry, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var items = registry.ResourceTypes.Select(t => (JsonNode)ResourceType(t, baseUrl)).ToList();
        return ScimListResponse.Create(items, items.Count, 1);
    }

    public static JsonObject Schemas(ScimSchemaRegistry registry, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var items = registry.Schemas.Select(s => (JsonNode)Schema(s, baseUrl)).ToList();
        return ScimListResponse.Create(items, items.Count, 1);
    }

    private static JsonObject Attribute(SchemaAttribute attribute)
    {
        var document = new JsonObject
        {
            ["name"] = attribute.Name,
            ["type"] = attribute.Type.ToProtocolName(),
            ["multiValued"] = attribute.MultiValued,
            ["description"] = attribute.Description,
            ["required"] = attribute.Required,
        };
        if (attribute.Type is AttributeType.String or AttributeType.Reference or AttributeType.Binary)
        {
            document["caseExact"] = attribute.CaseExact;
        }

        if (attribute.CanonicalValues.Count > 0)
        {
            document["canonicalValues"] = new JsonArray([.. attribute.CanonicalValues.Select(v => (JsonNode)v)]);
        }

        if (attribute.ReferenceTypes.Count > 0)
        {
            document["referenceTypes"] = new JsonArray([.. attribute.ReferenceTypes.Select(v => (JsonNode)v)]);
        }

        document["mutability"] = attribute.Mutability.ToProtocolName();
        document["returned"] = attribute.Returned.ToProtocolName();
        document["uniqueness"] = attribute.Uniqueness.ToProtocolName();
        if (attribute.Type == AttributeType.Complex)
        {
            var subAttributes = new JsonArray();
            foreach (var sub in attribute.SubAttributes)
            {
                subAttributes.Add(Attribute(sub));
            }

            document["subAttributes"] = subAttributes;
        }

        return document;
    }

    private static JsonObject Meta(string resourceType, string location) =>
        new() { ["resourceType"] = resourceType, ["location"] = location };
}
