namespace ScimFunctions.Core.Schema;

/// <summary>Attribute data types of RFC 7643 §2.3.</summary>
public enum AttributeType
{
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

/// <summary>The <c>mutability</c> characteristic of RFC 7643 §7.</summary>
public enum Mutability
{
    ReadWrite,
    ReadOnly,
    Immutable,
    WriteOnly,
}

/// <summary>The <c>returned</c> characteristic of RFC 7643 §7.</summary>
public enum Returned
{
    Default,
    Always,
    Never,
    Request,
}

/// <summary>The <c>uniqueness</c> characteristic of RFC 7643 §7.</summary>
public enum Uniqueness
{
    None,
    Server,
    Global,
}

/// <summary>The protocol names of the characteristics, as the /Schemas document spells them.</summary>
public static class AttributeCharacteristicNames
{
    public static string ToProtocolName(this AttributeType type) => type switch
    {
        AttributeType.String => "string",
        AttributeType.Boolean => "boolean",
        AttributeType.Decimal => "decimal",
        AttributeType.Integer => "integer",
        AttributeType.DateTime => "dateTime",
        AttributeType.Binary => "binary",
        AttributeType.Reference => "reference",
        AttributeType.Complex => "complex",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static string ToProtocolName(this Mutability mutability) => mutability switch
    {
        Mutability.ReadWrite => "readWrite",
        Mutability.ReadOnly => "readOnly",
        Mutability.Immutable => "immutable",
        Mutability.WriteOnly => "writeOnly",
        _ => throw new ArgumentOutOfRangeException(nameof(mutability)),
    };

    public static string ToProtocolName(this Returned returned) => returned switch
    {
        Returned.Default => "default",
        Returned.Always => "always",
        Returned.Never => "never",
        Returned.Request => "request",
        _ => throw new ArgumentOutOfRangeException(nameof(returned)),
    };

    public static string ToProtocolName(this Uniqueness uniqueness) => uniqueness switch
    {
        Uniqueness.None => "none",
        Uniqueness.Server => "server",
        Uniqueness.Global => "global",
        _ => throw new ArgumentOutOfRangeException(nameof(uniqueness)),
    };

    public static bool TryParseType(string? text, out AttributeType type) => TryParse(text, out type);

    public static bool TryParseMutability(string? text, out Mutability mutability) => TryParse(text, out mutability);

    public static bool TryParseReturned(string? text, out Returned returned) => TryParse(text, out returned);

    public static bool TryParseUniqueness(string? text, out Uniqueness uniqueness) => TryParse(text, out uniqueness);

    private static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        return !string.IsNullOrWhiteSpace(text)
            && !text.Any(char.IsDigit)
            && Enum.TryParse(text, ignoreCase: true, out value)
            && Enum.IsDefined(value);
    }
}
