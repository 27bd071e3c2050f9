using System.Globalization;
using System.Text;

namespace ScimFunctions.Core.Filtering;

public enum FilterLiteralKind
{
    String,
    Number,
    Boolean,
    Null,
}

/// <summary>
/// A <c>compValue</c>: a JSON string, number, <c>true</c>, <c>false</c> or <c>null</c>. Numbers keep their JSON text
/// so that printing is exact; <see cref="Text"/> is the unescaped string, the number text, or "true"/"false"/"null".
/// </summary>
public readonly record struct FilterLiteral(FilterLiteralKind Kind, string Text)
{
    public static readonly FilterLiteral Null = new(FilterLiteralKind.Null, "null");
    public static readonly FilterLiteral True = new(FilterLiteralKind.Boolean, "true");
    public static readonly FilterLiteral False = new(FilterLiteralKind.Boolean, "false");

    public static FilterLiteral FromString(string value) => new(FilterLiteralKind.String, value);

    public bool AsBoolean => Kind == FilterLiteralKind.Boolean && Text == "true";

    public override string ToString() => Kind == FilterLiteralKind.String ? Quote(Text) : Text;

    /// <summary>Writes a JSON string literal that the filter lexer reads back to the same value.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }
}
