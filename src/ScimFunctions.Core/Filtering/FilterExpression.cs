using System.Text;

namespace ScimFunctions.Core.Filtering;

public enum ComparisonOperator
{
    Equal,
    NotEqual,
    Contains,
    StartsWith,
    EndsWith,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
}

public enum LogicalOperator
{
    And,
    Or,
}

/// <summary>
/// An immutable filter tree (RFC 7644 §3.4.2.2). <see cref="object.ToString"/> prints a filter that parses back to
/// an equal tree, with parentheses only where precedence needs them.
/// </summary>
public abstract record FilterExpression
{
    public sealed override string ToString()
    {
        var builder = new StringBuilder();
        Write(builder);
        return builder.ToString();
    }

    internal abstract void Write(StringBuilder builder);
}

/// <summary><c>attrPath compareOp compValue</c>.</summary>
public sealed record ComparisonExpression(AttributePath Path, ComparisonOperator Operator, FilterLiteral Value) : FilterExpression
{
    internal override void Write(StringBuilder builder) =>
        builder.Append(Path).Append(' ').Append(Operator.ToKeyword()).Append(' ').Append(Value);
}

/// <summary><c>attrPath "pr"</c>.</summary>
public sealed record PresentExpression(AttributePath Path) : FilterExpression
{
    internal override void Write(StringBuilder builder) => builder.Append(Path).Append(" pr");
}

/// <summary><c>filter ("and" / "or") filter</c>; <c>and</c> binds tighter than <c>or</c>.</summary>
public sealed record LogicalExpression(LogicalOperator Operator, FilterExpression Left, FilterExpression Right) : FilterExpression
{
    internal override void Write(StringBuilder builder)
    {
        WriteOperand(builder, Left, isRight: false);
        builder.Append(Operator == LogicalOperator.And ? " and " : " or ");
        WriteOperand(builder, Right, isRight: true);
    }

    private void WriteOperand(StringBuilder builder, FilterExpression operand, bool isRight)
    {
        // Parsing is left-associative and "and" binds tighter than "or": parenthesise an "or" under an "and",
        // and a right operand of the same operator, so that the printed text parses back to this very tree.
        var needsParentheses = operand is LogicalExpression inner
            && ((inner.Operator == LogicalOperator.Or && Operator == LogicalOperator.And)
                || (isRight && inner.Operator == Operator));
        if (needsParentheses)
        {
            builder.Append('(');
            operand.Write(builder);
            builder.Append(')');
        }
        else
        {
            operand.Write(builder);
        }
    }
}

/// <summary><c>"not" "(" filter ")"</c>.</summary>
public sealed record NotExpression(FilterExpression Operand) : FilterExpression
{
    internal override void Write(StringBuilder builder)
    {
        builder.Append("not (");
        Operand.Write(builder);
        builder.Append(')');
    }
}

/// <summary>
/// <c>attrPath "[" valFilter "]"</c>: true when one element of a multi-valued complex attribute matches
/// <see cref="Filter"/>, whose attribute paths name sub-attributes.
/// </summary>
public sealed record ValuePathExpression(AttributePath Path, FilterExpression Filter) : FilterExpression
{
    internal override void Write(StringBuilder builder)
    {
        builder.Append(Path).Append('[');
        Filter.Write(builder);
        builder.Append(']');
    }
}

public static class ComparisonOperatorKeywords
{
    public static string ToKeyword(this ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "eq",
        ComparisonOperator.NotEqual => "ne",
        ComparisonOperator.Contains => "co",
        ComparisonOperator.StartsWith => "sw",
        ComparisonOperator.EndsWith => "ew",
        ComparisonOperator.GreaterThan => "gt",
        ComparisonOperator.GreaterThanOrEqual => "ge",
        ComparisonOperator.LessThan => "lt",
        ComparisonOperator.LessThanOrEqual => "le",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    public static bool TryParse(string keyword, out ComparisonOperator op)
    {
        op = keyword.ToUpperInvariant() switch
        {
            "EQ" => ComparisonOperator.Equal,
            "NE" => ComparisonOperator.NotEqual,
            "CO" => ComparisonOperator.Contains,
            "SW" => ComparisonOperator.StartsWith,
            "EW" => ComparisonOperator.EndsWith,
            "GT" => ComparisonOperator.GreaterThan,
            "GE" => ComparisonOperator.GreaterThanOrEqual,
            "LT" => ComparisonOperator.LessThan,
            "LE" => ComparisonOperator.LessThanOrEqual,
            _ => (ComparisonOperator)(-1),
        };
        return op >= 0;
    }
}
