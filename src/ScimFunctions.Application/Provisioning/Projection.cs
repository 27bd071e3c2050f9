namespace ScimFunctions.Application.Provisioning;

/// <summary>The <c>attributes</c> and <c>excludedAttributes</c> query parameters of a request.</summary>
public sealed record Projection(string? Attributes = null, string? ExcludedAttributes = null)
{
    public static Projection Default { get; } = new();
}
