namespace ScimFunctions.Application.Provisioning;

/// <summary>How a user came to exist: provisioned by SCIM, created by hand, or by just-in-time sign-in.</summary>
public enum UserSource
{
    Scim,
    Manual,
    Jit,
}
