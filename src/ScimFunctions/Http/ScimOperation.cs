namespace ScimFunctions.Http;

/// <summary>A SCIM operation as the provisioning log names it, with the resource type it acts on.</summary>
public sealed record ScimOperation(string Name, string ResourceType, bool ReadsBody)
{
    /// <summary>A write (create, replace, patch, delete): journaled, and its errors carry a reference code.</summary>
    public bool IsWrite => Name.StartsWith("Create", StringComparison.Ordinal) || Name.StartsWith("Replace", StringComparison.Ordinal)
        || Name.StartsWith("Patch", StringComparison.Ordinal) || Name.StartsWith("Delete", StringComparison.Ordinal);

    public static readonly ScimOperation SearchAll = new("SearchAll", "Any", true);
    public static readonly ScimOperation ListUsers = new("ListUsers", "User", false);
    public static readonly ScimOperation SearchUsers = new("SearchUsers", "User", true);
    public static readonly ScimOperation CreateUser = new("CreateUser", "User", true);
    public static readonly ScimOperation GetUser = new("GetUser", "User", false);
    public static readonly ScimOperation ReplaceUser = new("ReplaceUser", "User", true);
    public static readonly ScimOperation PatchUser = new("PatchUser", "User", true);
    public static readonly ScimOperation DeleteUser = new("DeleteUser", "User", false);
    public static readonly ScimOperation ListGroups = new("ListGroups", "Group", false);
    public static readonly ScimOperation SearchGroups = new("SearchGroups", "Group", true);
    public static readonly ScimOperation CreateGroup = new("CreateGroup", "Group", true);
    public static readonly ScimOperation GetGroup = new("GetGroup", "Group", false);
    public static readonly ScimOperation ReplaceGroup = new("ReplaceGroup", "Group", true);
    public static readonly ScimOperation PatchGroup = new("PatchGroup", "Group", true);
    public static readonly ScimOperation DeleteGroup = new("DeleteGroup", "Group", false);
    public static readonly ScimOperation GetServiceProviderConfig = new("GetServiceProviderConfig", "ServiceProviderConfig", false);
    public static readonly ScimOperation ListSchemas = new("ListSchemas", "Schema", false);
    public static readonly ScimOperation GetSchema = new("GetSchema", "Schema", false);
    public static readonly ScimOperation ListResourceTypes = new("ListResourceTypes", "ResourceType", false);
    public static readonly ScimOperation GetResourceType = new("GetResourceType", "ResourceType", false);
    public static readonly ScimOperation Unknown = new("UnknownEndpoint", "None", false);
}
