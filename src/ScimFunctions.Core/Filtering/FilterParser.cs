using System.Globalization;
using System.Text.RegularExpressions;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Filtering;

/// <summary>
/// Recursive-descent parser for the filter grammar of RFC 7644 §3.4.2.2 (with errata 4690), and for PATCH paths
/// (§3.5.2). Operators and literals are case-insensitive. Two tolerances for what identity providers send, both
/// printed back in RFC form: a sub-attribute after a value path in a filter
/// (<c>emails[type eq "work"].value eq "x"</c>, as Entra ID sends it, read as
/// <c>emails[type eq "work" and value eq "x"]</c>), and an unquoted string value (<c>externalId eq jyoung</c>).
/// </summary>
public static partial class FilterParser
{
    public static FilterExpression Parse(string filter, FilterLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        limits ??= FilterLimits.Default;
        if (filter.Length > limits.MaxLength)
        {
            throw new FilterParseException($"The filter is longer than {limits.MaxLength} characters", limits.MaxLength);
        }

        var parser = new Parser(FilterLexer.Tokenize(filter, ScimErrorType.InvalidFilter), limits, ScimErrorType.InvalidFilter);
        if (parser.Current.Kind == FilterTokenKind.End)
        {
            throw new FilterParseException("The filter is empty", 0);
        }

        var expression = parser.ParseFilter(insideValuePath: false);
        parser.Expect(FilterTokenKind.End, "end of filter");
        return expression;
    }

    /// <summary>
    /// Parses a PATCH path: <c>attrPath / valuePath [subAttr]</c>. Every error is <c>invalidPath</c> (RFC 7644 §3.12:
    /// "the path attribute was invalid or malformed"), also one inside the brackets of a value path.
    /// </summary>
    public static PatchPathSyntax ParsePath(string path, FilterLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= FilterLimits.Default;
        if (path.Length > limits.MaxLength)
        {
            throw new FilterParseException($"The path is longer than {limits.MaxLength} characters", limits.MaxLength, ScimErrorType.InvalidPath);
        }

        var parser = new Parser(FilterLexer.Tokenize(path, ScimErrorType.InvalidPath), limits, ScimErrorType.InvalidPath);
        var word = parser.Expect(FilterTokenKind.Word, "an attribute path");
        var attribute = parser.ToAttributePath(word, allowUri: true);
        if (parser.Current.Kind != FilterTokenKind.LeftBracket)
        {
            parser.Expect(FilterTokenKind.End, "end of path");
            return new PatchPathSyntax(attribute, null, null);
        }

        if (attribute.SubAttribute is not null)
        {
            throw new FilterParseException("A value filter must follow a multi-valued attribute, not a sub-attribute", word.Position, ScimErrorType.InvalidPath);
        }

        parser.Advance();
        var filter = parser.ParseFilter(insideValuePath: true);
        parser.Expect(FilterTokenKind.RightBracket, "']'");

        string? subAttribute = null;
        if (parser.Current.Kind == FilterTokenKind.Word)
        {
            subAttribute = parser.ReadSubAttributeSuffix(parser.Current);
            parser.Advance();
        }

        parser.Expect(FilterTokenKind.End, "end of path");
        return new PatchPathSyntax(attribute, filter, subAttribute);
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();

    private sealed class Parser(List<FilterToken> tokens, FilterLimits limits, string scimType)
    {
        private int _depth;
        private int _conditions;

        public int Position { get; set; }

        public FilterToken Current => tokens[Position];

        public void Advance() => Position++;

        public FilterToken Expect(FilterTokenKind kind, string what)
        {
            var token = Current;
            if (token.Kind != kind)
            {
                throw Error($"Expected {what} but found {Describe(token)}", token.Position);
            }

            Position++;
            return token;
        }

        public FilterExpression ParseFilter(bool insideValuePath)
        {
            EnterNesting();
            var left = ParseAnd(insideValuePath);
            while (IsKeyword(Current, "or"))
            {
                Advance();
                left = new LogicalExpression(LogicalOperator.Or, left, ParseAnd(insideValuePath));
            }

            _depth--;
            return left;
        }

        private FilterExpression ParseAnd(bool insideValuePath)
        {
            var left = ParseUnary(insideValuePath);
            while (IsKeyword(Current, "and"))
            {
                Advance();
                left = new LogicalExpression(LogicalOperator.And, left, ParseUnary(insideValuePath));
            }

            return left;
        }

        private FilterExpression ParseUnary(bool insideValuePath)
        {
            var token = Current;
            if (token.Kind == FilterTokenKind.LeftParen)
            {
                Advance();
                var inner = ParseFilter(insideValuePath);
                Expect(FilterTokenKind.RightParen, "')'");
                return inner;
            }

            if (IsKeyword(token, "not") && tokens[Position + 1].Kind == FilterTokenKind.LeftParen)
            {
                Position += 2;
                var inner = ParseFilter(insideValuePath);
                Expect(FilterTokenKind.RightParen, "')'");
                return new NotExpression(inner);
            }

            if (token.Kind != FilterTokenKind.Word)
            {
                throw Error($"Expected an attribute path, '(' or 'not' but found {Describe(token)}", token.Position);
            }

            Advance();
            var path = ToAttributePath(token, allowUri: !insideValuePath);
            if (Current.Kind == FilterTokenKind.LeftBracket)
            {
                return ParseValuePath(token, path, insideValuePath);
            }

            return ParseCondition(path);
        }

        private ValuePathExpression ParseValuePath(FilterToken pathToken, AttributePath path, bool insideValuePath)
        {
            if (insideValuePath)
            {
                throw Error("Value filters cannot be nested", Current.Position);
            }

            if (path.SubAttribute is not null)
            {
                throw Error("A value filter must follow a multi-valued attribute, not a sub-attribute", pathToken.Position);
            }

            Advance();
            var inner = ParseFilter(insideValuePath: true);
            Expect(FilterTokenKind.RightBracket, "']'");

            // Entra ID: emails[type eq "work"].value eq "x" means emails[type eq "work" and value eq "x"].
            if (Current.Kind == FilterTokenKind.Word && Current.Text.StartsWith('.'))
            {
                var subToken = Current;
                var subAttribute = ReadSubAttributeSuffix(subToken);
                Advance();
                var condition = ParseCondition(new AttributePath(null, subAttribute, null));
                inner = new LogicalExpression(LogicalOperator.And, inner, condition);
            }

            return new ValuePathExpression(path, inner);
        }

        private FilterExpression ParseCondition(AttributePath path)
        {
            if (++_conditions > limits.MaxConditions)
            {
                throw Error($"The filter has more than {limits.MaxConditions} conditions", Current.Position);
            }

            var opToken = Current;
            if (opToken.Kind != FilterTokenKind.Word)
            {
                throw Error($"Expected an operator after '{path}' but found {Describe(opToken)}", opToken.Position);
            }

            Advance();
            if (opToken.Text.Equals("pr", StringComparison.OrdinalIgnoreCase))
            {
                return new PresentExpression(path);
            }

            if (!ComparisonOperatorKeywords.TryParse(opToken.Text, out var op))
            {
                throw Error($"'{opToken.Text}' is not a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)", opToken.Position);
            }

            return new ComparisonExpression(path, op, ParseValue());
        }

        private FilterLiteral ParseValue()
        {
            var token = Current;
            switch (token.Kind)
            {
                case FilterTokenKind.String:
                    Advance();
                    return FilterLiteral.FromString(token.Text);
                case FilterTokenKind.Word:
                    Advance();
                    if (token.Text.Equals("true", StringComparison.OrdinalIgnoreCase))
                    {
                        return FilterLiteral.True;
                    }

                    if (token.Text.Equals("false", StringComparison.OrdinalIgnoreCase))
                    {
                        return FilterLiteral.False;
                    }

                    if (token.Text.Equals("null", StringComparison.OrdinalIgnoreCase))
                    {
                        return FilterLiteral.Null;
                    }

                    if (JsonNumber().IsMatch(token.Text))
                    {
                        if (!decimal.TryParse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                        {
                            throw Error($"The number '{token.Text}' is out of range", token.Position);
                        }

                        return new FilterLiteral(FilterLiteralKind.Number, token.Text);
                    }

                    if (IsReservedWord(token.Text))
                    {
                        throw Error($"Expected a value but found '{token.Text}'", token.Position);
                    }

                    // Tolerated: an unquoted string (Entra ID documentation and Microsoft's test collection send them).
                    return FilterLiteral.FromString(token.Text);
                default:
                    throw Error($"Expected a value but found {Describe(token)}", token.Position);
            }
        }

        public AttributePath ToAttributePath(FilterToken token, bool allowUri)
        {
            var text = token.Text;
            string? uri = null;
            var nameStart = 0;
            if (text.StartsWith(ScimConstants.UrnPrefix, StringComparison.OrdinalIgnoreCase))
            {
                if (!allowUri)
                {
                    throw Error($"'{text}' cannot name a schema inside a value filter", token.Position);
                }

                var lastColon = text.LastIndexOf(':');
                uri = text[..lastColon];
                nameStart = lastColon + 1;
                if (uri.Length <= ScimConstants.UrnPrefix.Length)
                {
                    throw Error($"'{text}' is not a valid attribute path", token.Position);
                }
            }

            var dot = text.IndexOf('.', nameStart);
            var name = dot < 0 ? text[nameStart..] : text[nameStart..dot];
            var sub = dot < 0 ? null : text[(dot + 1)..];
            if (!AttributeNames.IsValid(name))
            {
                throw Error($"'{text}' is not a valid attribute path", token.Position + nameStart);
            }

            if (sub is not null && !AttributeNames.IsValid(sub))
            {
                throw Error($"'{text}' is not a valid attribute path", token.Position + dot + 1);
            }

            return new AttributePath(uri, name, sub);
        }

        public string ReadSubAttributeSuffix(FilterToken token)
        {
            var text = token.Text;
            if (text.Length < 2 || text[0] != '.' || !AttributeNames.IsValid(text[1..]))
            {
                throw Error($"Expected '.' and a sub-attribute name after ']' but found '{text}'", token.Position);
            }

            return text[1..];
        }

        private void EnterNesting()
        {
            if (++_depth > limits.MaxDepth)
            {
                throw Error($"The filter is nested more than {limits.MaxDepth} levels deep", Current.Position);
            }
        }

        private static bool IsKeyword(FilterToken token, string keyword) =>
            token.Kind == FilterTokenKind.Word && token.Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);

        private static bool IsReservedWord(string text) =>
            text.Equals("and", StringComparison.OrdinalIgnoreCase)
            || text.Equals("or", StringComparison.OrdinalIgnoreCase)
            || text.Equals("not", StringComparison.OrdinalIgnoreCase)
            || text.Equals("pr", StringComparison.OrdinalIgnoreCase)
            || ComparisonOperatorKeywords.TryParse(text, out _);

        private static string Describe(FilterToken token) => token.Kind switch
        {
            FilterTokenKind.End => "the end of the input",
            FilterTokenKind.String => "a string",
            _ => $"'{token.Text}'",
        };

        private FilterParseException Error(string message, int position) => new(message, position, scimType);
    }
}

/// <summary>A parsed PATCH path before schema binding: the attribute, an optional value filter and sub-attribute.</summary>
public sealed record PatchPathSyntax(AttributePath Attribute, FilterExpression? ValueFilter, string? SubAttribute)
{
    public override string ToString() =>
        ValueFilter is null
            ? Attribute.ToString()
            : $"{Attribute}[{ValueFilter}]{(SubAttribute is null ? string.Empty : "." + SubAttribute)}";
}
