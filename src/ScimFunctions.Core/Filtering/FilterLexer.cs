using System.Globalization;
using System.Text;

namespace ScimFunctions.Core.Filtering;

/// <summary>
/// Splits a filter (RFC 7644 §3.4.2.2) into tokens that keep their positions. Keywords, attribute paths and
/// bare literals are all <see cref="FilterTokenKind.Word"/>s: the parser decides by position what a word is.
/// </summary>
public static class FilterLexer
{
    public static List<FilterToken> Tokenize(string text, string scimType)
    {
        var tokens = new List<FilterToken>(8);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            switch (c)
            {
                case '(':
                    tokens.Add(new FilterToken(FilterTokenKind.LeftParen, "(", i++));
                    break;
                case ')':
                    tokens.Add(new FilterToken(FilterTokenKind.RightParen, ")", i++));
                    break;
                case '[':
                    tokens.Add(new FilterToken(FilterTokenKind.LeftBracket, "[", i++));
                    break;
                case ']':
                    tokens.Add(new FilterToken(FilterTokenKind.RightBracket, "]", i++));
                    break;
                case '"':
                    tokens.Add(ReadString(text, ref i, scimType));
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        throw new FilterParseException("Unexpected control character", i, scimType);
                    }

                    var start = i;
                    while (i < text.Length && IsWordChar(text[i]))
                    {
                        i++;
                    }

                    tokens.Add(new FilterToken(FilterTokenKind.Word, text[start..i], start));
                    break;
            }
        }

        tokens.Add(new FilterToken(FilterTokenKind.End, string.Empty, text.Length));
        return tokens;
    }

    private static bool IsWordChar(char c) =>
        !char.IsWhiteSpace(c) && !char.IsControl(c) && c is not '(' and not ')' and not '[' and not ']' and not '"';

    private static FilterToken ReadString(string text, ref int i, string scimType)
    {
        var start = i++;
        StringBuilder? builder = null;
        var runStart = i;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '"')
            {
                var value = builder is null ? text[runStart..i] : builder.Append(text, runStart, i - runStart).ToString();
                i++;
                return new FilterToken(FilterTokenKind.String, value, start);
            }

            if (c == '\\')
            {
                builder ??= new StringBuilder();
                builder.Append(text, runStart, i - runStart);
                builder.Append(ReadEscape(text, ref i, scimType));
                runStart = i;
                continue;
            }

            if (char.IsControl(c))
            {
                throw new FilterParseException("Unescaped control character in a string", i, scimType);
            }

            i++;
        }

        throw new FilterParseException("Unterminated string", start, scimType);
    }

    private static char ReadEscape(string text, ref int i, string scimType)
    {
        var at = i;
        if (i + 1 >= text.Length)
        {
            throw new FilterParseException("Incomplete escape sequence", at, scimType);
        }

        var e = text[i + 1];
        i += 2;
        switch (e)
        {
            case '"': return '"';
            case '\\': return '\\';
            case '/': return '/';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            case 'u':
                if (i + 4 <= text.Length
                    && ushort.TryParse(text.AsSpan(i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                {
                    i += 4;
                    return (char)code;
                }

                throw new FilterParseException("Invalid \\u escape sequence", at, scimType);
            default:
                throw new FilterParseException($"Invalid escape sequence '\\{e}'", at, scimType);
        }
    }
}
