namespace ScimFunctions.Core.Schema;

/// <summary>
/// One attribute of a SCIM schema with its characteristics (RFC 7643 §2.2 and §7). Names are matched
/// case-insensitively everywhere; <see cref="Name"/> is the canonical spelling used in stored and returned resources.
/// </summary>
public sealed record SchemaAttribute
{
    /// <summary>The reference type of a URI to a resource outside the service provider (RFC 7643 §7).</summary>
    public const string ExternalReference = "external";

    private readonly Dictionary<string, SchemaAttribute> _subAttributesByName;

    public SchemaAttribute(string name, AttributeType type, IReadOnlyList<SchemaAttribute>? subAttributes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Type = type;
        SubAttributes = subAttributes ?? [];
        if (type != AttributeType.Complex && SubAttributes.Count > 0)
        {
            throw new ArgumentException($"Attribute '{name}' has sub-attributes but is not complex.", nameof(subAttributes));
        }

        _subAttributesByName = SubAttributes.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
    }

    public string Name { get; }

    public AttributeType Type { get; }

    public IReadOnlyList<SchemaAttribute> SubAttributes { get; }

    public bool MultiValued { get; init; }

    public string Description { get; init; } = string.Empty;

    public bool Required { get; init; }

    public bool CaseExact { get; init; }

    public Mutability Mutability { get; init; } = Mutability.ReadWrite;

    public Returned Returned { get; init; } = Returned.Default;

    public Uniqueness Uniqueness { get; init; } = Uniqueness.None;

    public IReadOnlyList<string> CanonicalValues { get; init; } = [];

    public IReadOnlyList<string> ReferenceTypes { get; init; } = [];

    /// <summary>True for a multi-valued attribute whose elements are complex values (emails, members, ...).</summary>
    public bool IsMultiValuedComplex => MultiValued && Type == AttributeType.Complex;

    public SchemaAttribute? FindSubAttribute(string name) =>
        _subAttributesByName.GetValueOrDefault(name);

    public bool Equals(SchemaAttribute? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
