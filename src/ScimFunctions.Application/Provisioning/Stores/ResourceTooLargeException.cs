namespace ScimFunctions.Application.Provisioning.Stores;

/// <summary>A resource or a write exceeds what one Table Storage entity or transaction can hold.</summary>
public sealed class ResourceTooLargeException : Exception
{
    public ResourceTooLargeException()
        : base("The resource is too large to store.")
    {
    }

    public ResourceTooLargeException(string message)
        : base(message)
    {
    }

    public ResourceTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
