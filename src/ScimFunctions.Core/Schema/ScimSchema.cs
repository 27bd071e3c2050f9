namespace ScimFunctions.Core.Schema;

/// <summary>A schema (RFC 7643 §7): its URN, name, description and top-level attributes.</summary>
public sealed record ScimSchema
{
    private readonly Dictionary<string, SchemaAttribute> _attributesByName;

    public ScimSchema(string id, string name, string description, IReadOnlyList<SchemaAttribute> attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        Name = name;
        Description = description;
        Attributes = attributes;
        _attributesByName = attributes.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
    }

    public string Id { get; }

    public string Name { get; }

    public string Description { get; }

    public IReadOnlyList<SchemaAttribute> Attributes { get; }

    public SchemaAttribute? FindAttribute(string name) => _attributesByName.GetValueOrDefault(name);

    public bool Equals(ScimSchema? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
