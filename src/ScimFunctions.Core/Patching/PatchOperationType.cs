namespace ScimFunctions.Core.Patching;

/// <summary>The PATCH operations of RFC 7644 §3.5.2.</summary>
public enum PatchOperationType
{
    Add,
    Replace,
    Remove,
}
