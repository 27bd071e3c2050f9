using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Core.Filtering;

/// <summary>
/// The only exception the filter and path parsers throw: a 400 with <c>scimType</c> <c>invalidFilter</c> (or
/// <c>invalidPath</c> for PATCH paths) whose detail names the position in the input.
/// </summary>
public sealed class FilterParseException : ScimException
{
    public FilterParseException(string message, int position, string scimType = ScimErrorType.InvalidFilter)
        : base(new ScimError(400, scimType, $"{message} (at position {position}).")) => Position = position;

    public FilterParseException()
        : this("The filter is not valid.", 0)
    {
    }

    public FilterParseException(string message)
        : this(message, 0)
    {
    }

    public FilterParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Zero-based position in the filter text.</summary>
    public int Position { get; }
}
