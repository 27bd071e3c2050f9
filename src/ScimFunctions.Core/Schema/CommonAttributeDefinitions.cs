namespace ScimFunctions.Core.Schema;

/// <summary>The attributes of RFC 7643 §3.1 that every resource has, whatever its schema.</summary>
public static class CommonAttributeDefinitions
{
    public const string Id = "id";
    public const string ExternalId = "externalId";
    public const string Meta = "meta";
    public const string Schemas = "schemas";

    public static readonly SchemaAttribute IdAttribute = new(Id, AttributeType.String)
    {
        Description = "A unique identifier for a SCIM resource as defined by the service provider.",
        CaseExact = true,
        Mutability = Mutability.ReadOnly,
        Returned = Returned.Always,
        Uniqueness = Uniqueness.Server,
    };

    public static readonly SchemaAttribute ExternalIdAttribute = new(ExternalId, AttributeType.String)
    {
        Description = "An identifier for the resource as defined by the provisioning client. Unique within an organization.",
        CaseExact = true,
        Uniqueness = Uniqueness.Server,
    };

    public static readonly SchemaAttribute MetaAttribute = new(
        Meta,
        AttributeType.Complex,
        [
            new SchemaAttribute("resourceType", AttributeType.String)
            {
                Description = "The name of the resource type of the resource.",
                CaseExact = true,
                Mutability = Mutability.ReadOnly,
            },
            new SchemaAttribute("created", AttributeType.DateTime)
            {
                Description = "The date and time the resource was added to the service provider.",
                Mutability = Mutability.ReadOnly,
            },
            new SchemaAttribute("lastModified", AttributeType.DateTime)
            {
                Description = "The most recent date and time the resource was modified.",
                Mutability = Mutability.ReadOnly,
            },
            new SchemaAttribute("location", AttributeType.Reference)
            {
                Description = "The URI of the resource being returned.",
                CaseExact = true,
                Mutability = Mutability.ReadOnly,
                ReferenceTypes = ["uri"],
            },
            new SchemaAttribute("version", AttributeType.String)
            {
                Description = "The version (weak entity tag) of the resource.",
                CaseExact = true,
                Mutability = Mutability.ReadOnly,
            },
        ])
    {
        Description = "Resource metadata.",
        Mutability = Mutability.ReadOnly,
    };

    internal static IReadOnlyList<ResolvedAttribute> Create(ScimSchema coreSchema) =>
    [
        new(coreSchema, IdAttribute, false),
        new(coreSchema, ExternalIdAttribute, false),
        new(coreSchema, MetaAttribute, false),
    ];
}
