namespace ScimFunctions.Functions;

/// <summary>Routes under the Functions <c>api</c> prefix: the SCIM base URL is <c>/api/sch/scim/v2</c>.</summary>
internal static class Routes
{
    public const string Base = "sch/scim/v2";
    public const string Search = Base + "/.search";
    public const string Users = Base + "/Users";
    public const string UsersSearch = Base + "/Users/.search";
    public const string User = Base + "/Users/{id}";
    public const string Groups = Base + "/Groups";
    public const string GroupsSearch = Base + "/Groups/.search";
    public const string Group = Base + "/Groups/{id}";
    public const string ServiceProviderConfig = Base + "/ServiceProviderConfig";
    public const string Schemas = Base + "/Schemas";
    public const string Schema = Base + "/Schemas/{id}";
    public const string ResourceTypes = Base + "/ResourceTypes";
    public const string ResourceType = Base + "/ResourceTypes/{id}";
    public const string Anything = Base + "/{*path}";
    public const string OAuthToken = "sch/oauth/token";
}
