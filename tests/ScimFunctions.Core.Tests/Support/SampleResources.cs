using System.Text.Json.Nodes;

namespace ScimFunctions.Core.Tests.Support;

internal static class SampleResources
{
    public const string Enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// <summary>A user in the canonical stored form, shaped like one Entra ID provisions.</summary>
    public static JsonObject User() => Json.Object($$"""
        {
          "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "{{Enterprise}}"],
          "id": "2819c223-7f76-453a-919d-413861904646",
          "externalId": "bjensen",
          "userName": "Barbara.Jensen@Contoso.com",
          "name": { "formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara" },
          "displayName": "Babs Jensen",
          "title": "Tour Guide",
          "active": true,
          "emails": [
            { "value": "bjensen@contoso.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
          ],
          "phoneNumbers": [ { "value": "555-555-8377", "type": "work" } ],
          "x509Certificates": [ { "value": "TUlJRHFEQ0NBcENnQXdJQkFnSUNBTFF3RFFZSktvWklodmNOQVFFRkJRQXdUREVMTUFrR0ExVUU=" } ],
          "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff591\""
          },
          "{{Enterprise}}": {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": { "value": "26118915-6090-4610-87e4-49d8ca9f808d" }
          }
        }
        """);
}
