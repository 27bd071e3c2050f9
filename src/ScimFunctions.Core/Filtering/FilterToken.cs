namespace ScimFunctions.Core.Filtering;

public enum FilterTokenKind
{
    /// <summary>A run of characters that is not a string, bracket or parenthesis: an attribute path, keyword or literal.</summary>
    Word,

    /// <summary>A JSON string literal; <see cref="FilterToken.Text"/> holds the unescaped value.</summary>
    String,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    End,
}

/// <summary>A token with the zero-based position of its first character in the filter text.</summary>
public readonly record struct FilterToken(FilterTokenKind Kind, string Text, int Position);
