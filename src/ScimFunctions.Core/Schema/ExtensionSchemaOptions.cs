namespace ScimFunctions.Core.Schema;

/// <summary>
/// Configuration of custom extension schemas, such as the one an Entra ID admin maps custom attributes to
/// (<c>urn:ietf:params:scim:schemas:extension:&lt;name&gt;:2.0:User</c>). Bound from configuration section
/// <c>Scim:Extensions</c>; each entry becomes a schema that behaves exactly like the built-in ones.
/// </summary>
public sealed class ExtensionSchemaOptions
{
    /// <summary>The schema URN.</summary>
    public string Id { get; set; } = string.Empty;

    public string? Name { get; set; }

    public string? Description { get; set; }

    /// <summary><c>User</c> or <c>Group</c>.</summary>
    public string ResourceType { get; set; } = "User";

    /// <summary>Whether every resource of the type must carry the extension.</summary>
    public bool Required { get; set; }

    public IList<AttributeOptions> Attributes { get; } = [];
}

/// <summary>One attribute of a configured extension schema, with the characteristics of RFC 7643 §7.</summary>
public sealed class AttributeOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>string, boolean, decimal, integer, dateTime, binary, reference or complex.</summary>
    public string Type { get; set; } = "string";

    public bool MultiValued { get; set; }

    public bool Required { get; set; }

    public bool CaseExact { get; set; }

    /// <summary>readWrite (default), readOnly, immutable or writeOnly.</summary>
    public string Mutability { get; set; } = "readWrite";

    /// <summary>default (default), always, never or request.</summary>
    public string Returned { get; set; } = "default";

    /// <summary>none (default), server or global. Advertised only; the server enforces uniqueness of built-in attributes.</summary>
    public string Uniqueness { get; set; } = "none";

    public string? Description { get; set; }

    public IList<string> CanonicalValues { get; } = [];

    public IList<string> ReferenceTypes { get; } = [];

    public IList<AttributeOptions> SubAttributes { get; } = [];
}
