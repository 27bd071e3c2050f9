namespace ScimFunctions.Core.Schema;

/// <summary>An extension schema attached to a resource type (RFC 7643 §6, <c>schemaExtensions</c>).</summary>
public sealed record SchemaExtension(ScimSchema Schema, bool Required);

/// <summary>
/// A resource type (RFC 7643 §6): its endpoint, core schema, extensions and the common attributes every resource
/// has (<c>id</c>, <c>externalId</c>, <c>meta</c>, RFC 7643 §3.1). Resolves attribute names case-insensitively.
/// </summary>
public sealed record ResourceTypeDefinition
{
    public ResourceTypeDefinition(
        string id,
        string name,
        string endpoint,
        string description,
        ScimSchema coreSchema,
        IReadOnlyList<SchemaExtension> extensions)
    {
        Id = id;
        Name = name;
        Endpoint = endpoint;
        Description = description;
        CoreSchema = coreSchema;
        Extensions = extensions;
        CommonAttributes = CommonAttributeDefinitions.Create(coreSchema);
    }

    public string Id { get; }

    public string Name { get; }

    public string Endpoint { get; }

    public string Description { get; }

    public ScimSchema CoreSchema { get; }

    public IReadOnlyList<SchemaExtension> Extensions { get; }

    /// <summary><c>id</c>, <c>externalId</c> and <c>meta</c>, resolved as attributes of the core schema.</summary>
    public IReadOnlyList<ResolvedAttribute> CommonAttributes { get; }

    /// <summary>Every top-level attribute: the common ones, the core schema's, then each extension's.</summary>
    public IEnumerable<ResolvedAttribute> AllAttributes =>
        CommonAttributes
            .Concat(CoreSchema.Attributes.Select(a => new ResolvedAttribute(CoreSchema, a, false)))
            .Concat(Extensions.SelectMany(e => e.Schema.Attributes.Select(a => new ResolvedAttribute(e.Schema, a, true))));

    /// <summary>The core schema or one of the extensions, by URN (case-insensitive).</summary>
    public ScimSchema? FindSchema(string uri)
    {
        if (string.Equals(uri, CoreSchema.Id, StringComparison.OrdinalIgnoreCase))
        {
            return CoreSchema;
        }

        foreach (var extension in Extensions)
        {
            if (string.Equals(uri, extension.Schema.Id, StringComparison.OrdinalIgnoreCase))
            {
                return extension.Schema;
            }
        }

        return null;
    }

    public bool IsExtension(ScimSchema schema) => !ReferenceEquals(schema, CoreSchema);

    /// <summary>
    /// Finds a top-level attribute. With a schema URN, only that schema is searched (the core URN also reaches the
    /// common attributes). Without one, the common and core attributes come first, then an extension attribute
    /// whose name is unique among the extensions.
    /// </summary>
    public ResolvedAttribute? Resolve(string? schemaUri, string name)
    {
        if (schemaUri is not null)
        {
            var schema = FindSchema(schemaUri);
            if (schema is null)
            {
                return null;
            }

            if (ReferenceEquals(schema, CoreSchema))
            {
                return ResolveCore(name);
            }

            var attribute = schema.FindAttribute(name);
            return attribute is null ? null : new ResolvedAttribute(schema, attribute, true);
        }

        var core = ResolveCore(name);
        if (core is not null)
        {
            return core;
        }

        ResolvedAttribute? found = null;
        foreach (var extension in Extensions)
        {
            var attribute = extension.Schema.FindAttribute(name);
            if (attribute is null)
            {
                continue;
            }

            if (found is not null)
            {
                return null;
            }

            found = new ResolvedAttribute(extension.Schema, attribute, true);
        }

        return found;
    }

    private ResolvedAttribute? ResolveCore(string name)
    {
        foreach (var common in CommonAttributes)
        {
            if (string.Equals(common.Attribute.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return common;
            }
        }

        var attribute = CoreSchema.FindAttribute(name);
        return attribute is null ? null : new ResolvedAttribute(CoreSchema, attribute, false);
    }

    public bool Equals(ResourceTypeDefinition? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
