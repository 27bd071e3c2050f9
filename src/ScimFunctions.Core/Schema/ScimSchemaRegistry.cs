using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Core.Schema;

/// <summary>
/// The schemas and resource types this server supports: the built-in User (with the Enterprise User extension)
/// and Group, plus the extension schemas registered by configuration. The discovery documents are generated from it.
/// </summary>
public sealed class ScimSchemaRegistry
{
    private ScimSchemaRegistry(ResourceTypeDefinition user, ResourceTypeDefinition group)
    {
        User = user;
        Group = group;
        ResourceTypes = [user, group];
        Schemas = ResourceTypes
            .SelectMany(t => t.Extensions.Select(e => e.Schema).Prepend(t.CoreSchema))
            .Distinct()
            .ToList();
    }

    /// <summary>The registry of the built-in schemas only.</summary>
    public static ScimSchemaRegistry Default { get; } = Create([]);

    public ResourceTypeDefinition User { get; }

    public ResourceTypeDefinition Group { get; }

    public IReadOnlyList<ResourceTypeDefinition> ResourceTypes { get; }

    public IReadOnlyList<ScimSchema> Schemas { get; }

    public ScimSchema? FindSchema(string id) =>
        Schemas.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.OrdinalIgnoreCase));

    public ResourceTypeDefinition? FindResourceType(string id) =>
        ResourceTypes.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Builds a registry with the built-in schemas and the configured extensions.</summary>
    /// <exception cref="ArgumentException">A configured extension is not valid; the message says which and why.</exception>
    public static ScimSchemaRegistry Create(IEnumerable<ExtensionSchemaOptions> extensions)
    {
        var userExtensions = new List<SchemaExtension> { new(BuiltInSchemas.EnterpriseUser, false) };
        var groupExtensions = new List<SchemaExtension>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            ScimConstants.UserSchema,
            ScimConstants.GroupSchema,
            ScimConstants.EnterpriseUserSchema,
        };

        foreach (var options in extensions)
        {
            var schema = BuildSchema(options);
            if (!seen.Add(schema.Id))
            {
                throw new ArgumentException($"Extension schema '{schema.Id}' is defined more than once.", nameof(extensions));
            }

            var target = options.ResourceType switch
            {
                var t when string.Equals(t, "User", StringComparison.OrdinalIgnoreCase) => userExtensions,
                var t when string.Equals(t, "Group", StringComparison.OrdinalIgnoreCase) => groupExtensions,
                _ => throw new ArgumentException(
                    $"Extension schema '{schema.Id}' names resource type '{options.ResourceType}'; use 'User' or 'Group'.",
                    nameof(extensions)),
            };
            target.Add(new SchemaExtension(schema, options.Required));
        }

        var user = new ResourceTypeDefinition("User", "User", "/Users", "User Account", BuiltInSchemas.User, userExtensions);
        var group = new ResourceTypeDefinition("Group", "Group", "/Groups", "Group", BuiltInSchemas.Group, groupExtensions);
        return new ScimSchemaRegistry(user, group);
    }

    private static ScimSchema BuildSchema(ExtensionSchemaOptions options)
    {
        var id = options.Id?.Trim() ?? string.Empty;
        if (!id.StartsWith(ScimConstants.UrnPrefix, StringComparison.OrdinalIgnoreCase) || id.Count(c => c == ':') < 2
            || id.Any(c => char.IsWhiteSpace(c) || c is '"' or '[' or ']' or '(' or ')'))
        {
            throw new ArgumentException($"Extension schema id '{id}' is not a URN (urn:...).", nameof(options));
        }

        if (options.Attributes.Count == 0)
        {
            throw new ArgumentException($"Extension schema '{id}' has no attributes.", nameof(options));
        }

        var attributes = BuildAttributes(id, options.Attributes, allowComplex: true);
        var name = string.IsNullOrWhiteSpace(options.Name) ? id[(id.LastIndexOf(':') + 1)..] : options.Name;
        return new ScimSchema(id, name, options.Description ?? string.Empty, attributes);
    }

    private static List<SchemaAttribute> BuildAttributes(string schemaId, IEnumerable<AttributeOptions> options, bool allowComplex)
    {
        var attributes = new List<SchemaAttribute>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in options)
        {
            var where = $"attribute '{option.Name}' of extension schema '{schemaId}'";
            if (!AttributeNames.IsValid(option.Name))
            {
                throw new ArgumentException($"The name of {where} is not a valid SCIM attribute name.", nameof(options));
            }

            if (!names.Add(option.Name))
            {
                throw new ArgumentException($"The {where} is defined more than once.", nameof(options));
            }

            if (!AttributeCharacteristicNames.TryParseType(option.Type, out var type))
            {
                throw new ArgumentException($"The type '{option.Type}' of {where} is not a SCIM type.", nameof(options));
            }

            if (!AttributeCharacteristicNames.TryParseMutability(option.Mutability, out var mutability)
                || !AttributeCharacteristicNames.TryParseReturned(option.Returned, out var returned)
                || !AttributeCharacteristicNames.TryParseUniqueness(option.Uniqueness, out var uniqueness))
            {
                throw new ArgumentException($"The mutability, returned or uniqueness of {where} is not a SCIM value.", nameof(options));
            }

            List<SchemaAttribute> subAttributes = [];
            if (type == AttributeType.Complex)
            {
                if (!allowComplex || option.SubAttributes.Count == 0)
                {
                    throw new ArgumentException(
                        $"The complex {where} needs sub-attributes, and sub-attributes cannot be complex.", nameof(options));
                }

                subAttributes = BuildAttributes(schemaId, option.SubAttributes, allowComplex: false);
            }
            else if (option.SubAttributes.Count > 0)
            {
                throw new ArgumentException($"Only a complex attribute can have sub-attributes ({where}).", nameof(options));
            }

            attributes.Add(new SchemaAttribute(option.Name, type, subAttributes)
            {
                Description = option.Description ?? string.Empty,
                MultiValued = option.MultiValued,
                Required = option.Required,
                CaseExact = option.CaseExact,
                Mutability = mutability,
                Returned = returned,
                Uniqueness = uniqueness,
                CanonicalValues = [.. option.CanonicalValues],
                // RFC 7643 §7: a reference attribute names what it refers to; a URL to anything is "external".
                ReferenceTypes = option.ReferenceTypes.Count > 0 || type != AttributeType.Reference
                    ? [.. option.ReferenceTypes]
                    : [SchemaAttribute.ExternalReference],
            });
        }

        return attributes;
    }
}
