using System.Text.Json.Nodes;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Projection;

/// <summary>
/// The <c>attributes</c> and <c>excludedAttributes</c> query parameters (RFC 7644 §3.4.2.5, §3.9) applied with the
/// <c>returned</c> characteristic of each attribute (RFC 7643 §7): <c>always</c> is always returned, <c>never</c>
/// never, <c>default</c> unless excluded or another list was asked for, <c>request</c> only when named. Names may
/// be sub-attributes (<c>name.givenName</c>), URN-qualified, or a whole extension URN. Names no schema defines are
/// ignored, and a value filter in a name (<c>emails[type eq "work"]</c>) selects the attribute it filters.
/// </summary>
public sealed class AttributeSelection
{
    private readonly HashSet<ResolvedAttribute> _included = [];
    private readonly HashSet<(ResolvedAttribute, SchemaAttribute)> _includedSubs = [];
    private readonly HashSet<ResolvedAttribute> _excluded = [];
    private readonly HashSet<(ResolvedAttribute, SchemaAttribute)> _excludedSubs = [];
    private readonly bool _hasIncludeList;

    private AttributeSelection(ResourceTypeDefinition resourceType, string? attributes, string? excludedAttributes)
    {
        ResourceType = resourceType;
        _hasIncludeList = Read(attributes, _included, _includedSubs);
        Read(excludedAttributes, _excluded, _excludedSubs);
    }

    public ResourceTypeDefinition ResourceType { get; }

    public static AttributeSelection Default(ResourceTypeDefinition resourceType) => new(resourceType, null, null);

    public static AttributeSelection Parse(ResourceTypeDefinition resourceType, string? attributes, string? excludedAttributes)
    {
        ArgumentNullException.ThrowIfNull(resourceType);
        return new AttributeSelection(resourceType, attributes, excludedAttributes);
    }

    /// <summary>
    /// Whether any part of <paramref name="attribute"/> will be returned: lets storage skip reading what is not
    /// returned (a group's members with <c>excludedAttributes=members</c>).
    /// </summary>
    public bool Returns(ResolvedAttribute attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        var returned = attribute.Attribute.Returned;
        if (returned == Returned.Never)
        {
            return false;
        }

        if (returned == Returned.Always)
        {
            return true;
        }

        if (_hasIncludeList)
        {
            return _included.Contains(attribute) || _includedSubs.Any(s => s.Item1 == attribute);
        }

        return returned != Returned.Request && !_excluded.Contains(attribute);
    }

    /// <summary>A new object with what the selection returns; the input is not changed.</summary>
    public JsonObject Apply(JsonObject resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var output = new JsonObject();
        foreach (var (key, value) in resource)
        {
            if (value is null)
            {
                continue;
            }

            if (key == CommonAttributeDefinitions.Schemas)
            {
                output[key] = value.DeepClone();
                continue;
            }

            var schema = key.StartsWith(Protocol.ScimConstants.UrnPrefix, StringComparison.Ordinal) ? ResourceType.FindSchema(key) : null;
            if (schema is not null)
            {
                if (value is JsonObject extensionValues && ProjectExtension(schema, extensionValues) is { } projected)
                {
                    output[key] = projected;
                }

                continue;
            }

            var attribute = ResourceType.Resolve(null, key);
            if (attribute is not null && !attribute.IsExtension && Project(attribute, value) is { } result)
            {
                output[key] = result;
            }
        }

        return output;
    }

    private JsonObject? ProjectExtension(ScimSchema schema, JsonObject values)
    {
        var output = new JsonObject();
        foreach (var (name, value) in values)
        {
            var attribute = ResourceType.Resolve(schema.Id, name);
            if (attribute is not null && value is not null && Project(attribute, value) is { } result)
            {
                output[name] = result;
            }
        }

        return output.Count == 0 ? null : output;
    }

    private JsonNode? Project(ResolvedAttribute attribute, JsonNode value)
    {
        if (!Returns(attribute))
        {
            return null;
        }

        if (attribute.Attribute.Type != AttributeType.Complex)
        {
            return value.DeepClone();
        }

        // Sub-attributes: when the include list names sub-attributes of this attribute (and not the attribute
        // itself), only those (and the always-returned ones) are returned.
        var onlyNamedSubs = _hasIncludeList && attribute.Attribute.Returned != Returned.Always && !_included.Contains(attribute);
        return value switch
        {
            JsonArray elements => ProjectElements(attribute, elements, onlyNamedSubs),
            JsonObject element => ProjectElement(attribute, element, onlyNamedSubs),
            _ => value.DeepClone(),
        };
    }

    private JsonArray? ProjectElements(ResolvedAttribute attribute, JsonArray elements, bool onlyNamedSubs)
    {
        var output = new JsonArray();
        foreach (var element in elements)
        {
            if (element is JsonObject obj && ProjectElement(attribute, obj, onlyNamedSubs) is { } projected)
            {
                output.Add(projected);
            }
        }

        return output.Count == 0 ? null : output;
    }

    private JsonObject? ProjectElement(ResolvedAttribute attribute, JsonObject element, bool onlyNamedSubs)
    {
        var output = new JsonObject();
        foreach (var (name, value) in element)
        {
            var sub = attribute.Attribute.FindSubAttribute(name);
            if (sub is null || value is null || !ReturnsSub(attribute, sub, onlyNamedSubs))
            {
                continue;
            }

            output[name] = value.DeepClone();
        }

        return output.Count == 0 ? null : output;
    }

    private bool ReturnsSub(ResolvedAttribute attribute, SchemaAttribute sub, bool onlyNamedSubs) => sub.Returned switch
    {
        Returned.Never => false,
        Returned.Always => true,
        Returned.Request => _includedSubs.Contains((attribute, sub)),
        _ => onlyNamedSubs ? _includedSubs.Contains((attribute, sub)) : !_excludedSubs.Contains((attribute, sub)),
    };

    private bool Read(string? list, HashSet<ResolvedAttribute> attributes, HashSet<(ResolvedAttribute, SchemaAttribute)> subs)
    {
        if (string.IsNullOrWhiteSpace(list))
        {
            return false;
        }

        foreach (var item in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ResourceType.FindSchema(item) is { } schema)
            {
                foreach (var attribute in ResourceType.AllAttributes.Where(a => ReferenceEquals(a.Schema, schema)
                    && (ResourceType.IsExtension(schema) ? a.IsExtension : !a.IsExtension)))
                {
                    attributes.Add(attribute);
                }

                continue;
            }

            PatchPathSyntax path;
            try
            {
                path = FilterParser.ParsePath(item);
            }
            catch (FilterParseException)
            {
                continue;
            }

            // A value filter in the list (Microsoft's test collection sends attributes=emails[type eq "work"]) is not
            // RFC grammar; the attribute it names is returned.
            var resolved = ResourceType.Resolve(path.Attribute.SchemaUri, path.Attribute.Name);
            if (resolved is null)
            {
                continue;
            }

            var subName = path.Attribute.SubAttribute ?? path.SubAttribute;
            if (subName is null)
            {
                attributes.Add(resolved);
            }
            else if (resolved.Attribute.FindSubAttribute(subName) is { } sub)
            {
                subs.Add((resolved, sub));
            }
        }

        return true;
    }
}
