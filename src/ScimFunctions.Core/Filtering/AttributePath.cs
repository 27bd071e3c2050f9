using System.Text;

namespace ScimFunctions.Core.Filtering;

/// <summary>
/// <c>attrPath = [URI ":"] ATTRNAME *1subAttr</c> (RFC 7644 §3.4.2.2). Names keep the spelling of the input;
/// the schema binder matches them case-insensitively.
/// </summary>
public sealed record AttributePath(string? SchemaUri, string Name, string? SubAttribute)
{
    public AttributePath(string name)
        : this(null, name, null)
    {
    }

    public override string ToString()
    {
        var builder = new StringBuilder();
        if (SchemaUri is not null)
        {
            builder.Append(SchemaUri).Append(':');
        }

        builder.Append(Name);
        if (SubAttribute is not null)
        {
            builder.Append('.').Append(SubAttribute);
        }

        return builder.ToString();
    }

    /// <summary>Equality is case-insensitive, as attribute names and schema URNs are.</summary>
    public bool Equals(AttributePath? other) =>
        other is not null
        && string.Equals(SchemaUri, other.SchemaUri, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase)
        && string.Equals(SubAttribute, other.SubAttribute, StringComparison.OrdinalIgnoreCase);

    public override int GetHashCode() => HashCode.Combine(
        SchemaUri is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(SchemaUri),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Name),
        SubAttribute is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(SubAttribute));
}
