namespace ScimFunctions.Core.Protocol;

/// <summary>Schema URNs, media types and limits defined by RFC 7643 and RFC 7644.</summary>
public static class ScimConstants
{
    public const string MediaType = "application/scim+json";
    public const string JsonMediaType = "application/json";

    public const string UserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
    public const string GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
    public const string EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    public const string ErrorMessage = "urn:ietf:params:scim:api:messages:2.0:Error";
    public const string ListResponseMessage = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    public const string PatchOpMessage = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    public const string SearchRequestMessage = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

    public const string ServiceProviderConfigSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
    public const string ResourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
    public const string SchemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema";

    /// <summary>Prefix every SCIM schema URN starts with.</summary>
    public const string UrnPrefix = "urn:";
}
