using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Tests.Support;

/// <summary>A custom extension as an Entra ID admin would configure one for custom attribute mappings.</summary>
internal static class CustomSchemas
{
    public const string Id = "urn:ietf:params:scim:schemas:extension:securecodinghub:2.0:User";

    public static ExtensionSchemaOptions Extension()
    {
        var options = new ExtensionSchemaOptions { Id = Id, Name = "SecureCodingHubUser", Description = "Training profile" };
        options.Attributes.Add(new AttributeOptions { Name = "trainingTrack", Description = "Assigned track" });
        options.Attributes.Add(new AttributeOptions { Name = "level", Type = "integer" });
        options.Attributes.Add(new AttributeOptions { Name = "costScore", Type = "decimal" });
        options.Attributes.Add(new AttributeOptions { Name = "mentor", Type = "boolean" });
        options.Attributes.Add(new AttributeOptions { Name = "badgeIssuedAt", Type = "dateTime", Mutability = "immutable" });
        var skills = new AttributeOptions { Name = "skills", Type = "complex", MultiValued = true };
        skills.SubAttributes.Add(new AttributeOptions { Name = "value" });
        skills.SubAttributes.Add(new AttributeOptions { Name = "level", Type = "integer" });
        options.Attributes.Add(skills);
        return options;
    }
}
