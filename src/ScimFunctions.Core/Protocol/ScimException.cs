namespace ScimFunctions.Core.Protocol;

/// <summary>
/// Carries a <see cref="ScimError"/> out of deep parsing code. It is caught at one boundary of the core
/// (the operation that parsed the input) and turned into a <see cref="ScimResult"/>; it never reaches a host.
/// </summary>
public class ScimException : Exception
{
    public ScimException(ScimError error)
        : base(error.Detail)
    {
        Error = error;
    }

    public ScimException()
        : this(ScimError.InvalidSyntax("The request is not valid."))
    {
    }

    public ScimException(string message)
        : this(ScimError.InvalidSyntax(message))
    {
    }

    public ScimException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = ScimError.InvalidSyntax(message);
    }

    public ScimError Error { get; }
}
