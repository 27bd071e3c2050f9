namespace ScimFunctions.Core.Schema;

/// <summary>
/// A top-level attribute found in a resource type: the schema it belongs to and where it lives in a resource
/// (at the root for the core schema and the common attributes, under the schema URN for an extension).
/// </summary>
public sealed record ResolvedAttribute(ScimSchema Schema, SchemaAttribute Attribute, bool IsExtension)
{
    /// <summary>The fully qualified name used in error details: <c>emails</c> or <c>urn:...:User:manager</c>.</summary>
    public string QualifiedName => IsExtension ? $"{Schema.Id}:{Attribute.Name}" : Attribute.Name;

    public string QualifiedSubName(SchemaAttribute subAttribute) => $"{QualifiedName}.{subAttribute.Name}";
}
