using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Core.Schema;

/// <summary>The User (RFC 7643 §4.1), Enterprise User (§4.3) and Group (§4.2) schemas, as §8.7 defines them.</summary>
public static class BuiltInSchemas
{
    public static readonly ScimSchema User = new(
        ScimConstants.UserSchema,
        "User",
        "User Account",
        [
            Text("userName", "Unique identifier for the User, used to authenticate. Unique within an organization, case-insensitively.")
                with { Required = true, Uniqueness = Uniqueness.Server },
            new SchemaAttribute(
                "name",
                AttributeType.Complex,
                [
                    Text("formatted", "The full name, formatted for display."),
                    Text("familyName", "The family name of the User."),
                    Text("givenName", "The given name of the User."),
                    Text("middleName", "The middle name(s) of the User."),
                    Text("honorificPrefix", "The honorific prefix(es) of the User."),
                    Text("honorificSuffix", "The honorific suffix(es) of the User."),
                ])
            {
                Description = "The components of the user's real name.",
            },
            Text("displayName", "The name of the User, suitable for display to end-users."),
            Text("nickName", "The casual way to address the user in real life."),
            new SchemaAttribute("profileUrl", AttributeType.Reference)
            {
                Description = "A fully qualified URL pointing to a page representing the User's online profile.",
                ReferenceTypes = [SchemaAttribute.ExternalReference],
            },
            Text("title", "The user's title, such as \"Vice President\"."),
            Text("userType", "Identifies the relationship between the organization and the user."),
            Text("preferredLanguage", "The User's preferred written or spoken language (RFC 7231 Accept-Language)."),
            Text("locale", "The User's default location for localization (language tag)."),
            Text("timezone", "The User's time zone in the IANA Time Zone database format."),
            new SchemaAttribute("active", AttributeType.Boolean)
            {
                Description = "The User's administrative status. An inactive user keeps its data but uses no seat.",
            },
            new SchemaAttribute("password", AttributeType.String)
            {
                Description = "Accepted for compatibility with identity providers that send it; never stored or returned.",
                Mutability = Mutability.WriteOnly,
                Returned = Returned.Never,
            },
            MultiValued("emails", "Email addresses for the user.", ["work", "home", "other"], AttributeType.String),
            MultiValued("phoneNumbers", "Phone numbers for the User.", ["work", "home", "mobile", "fax", "pager", "other"], AttributeType.String),
            MultiValued("ims", "Instant messaging addresses for the User.", ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"], AttributeType.String),
            MultiValued("photos", "URLs of photos of the User.", ["photo", "thumbnail"], AttributeType.Reference),
            new SchemaAttribute(
                "addresses",
                AttributeType.Complex,
                [
                    Text("formatted", "The full mailing address, formatted for display."),
                    Text("streetAddress", "The full street address component."),
                    Text("locality", "The city or locality component."),
                    Text("region", "The state or region component."),
                    Text("postalCode", "The zip code or postal code component."),
                    Text("country", "The country name component (ISO 3166-1 alpha-2)."),
                    Text("type", "A label indicating the address's function.") with { CanonicalValues = ["work", "home", "other"] },
                    new SchemaAttribute("primary", AttributeType.Boolean) { Description = "Indicates the primary address." },
                ])
            {
                Description = "A physical mailing address for this User.",
                MultiValued = true,
            },
            new SchemaAttribute(
                "groups",
                AttributeType.Complex,
                [
                    ReadOnlyText("value", "The identifier of the User's group."),
                    new SchemaAttribute("$ref", AttributeType.Reference)
                    {
                        Description = "The URI of the corresponding Group resource.",
                        Mutability = Mutability.ReadOnly,
                        ReferenceTypes = ["User", "Group"],
                    },
                    ReadOnlyText("display", "A human-readable name of the group."),
                    ReadOnlyText("type", "How the group membership was derived.") with { CanonicalValues = ["direct", "indirect"] },
                ])
            {
                Description = "The groups the user belongs to, derived from group membership. Read-only; returned when "
                    + "asked for with attributes=groups, so that listing users does not read every user's memberships.",
                MultiValued = true,
                Mutability = Mutability.ReadOnly,
                Returned = Returned.Request,
            },
            MultiValued("entitlements", "A list of entitlements for the User.", [], AttributeType.String),
            MultiValued("roles", "A list of roles for the User.", [], AttributeType.String),
            MultiValued("x509Certificates", "A list of certificates issued to the User.", [], AttributeType.Binary),
        ]);

    public static readonly ScimSchema EnterpriseUser = new(
        ScimConstants.EnterpriseUserSchema,
        "EnterpriseUser",
        "Enterprise User",
        [
            Text("employeeNumber", "Numeric or alphanumeric identifier assigned to a person by the organization."),
            Text("costCenter", "Identifies the name of a cost center."),
            Text("organization", "Identifies the name of an organization."),
            Text("division", "Identifies the name of a division."),
            Text("department", "Identifies the name of a department."),
            new SchemaAttribute(
                "manager",
                AttributeType.Complex,
                [
                    Text("value", "The id of the SCIM resource representing the User's manager."),
                    new SchemaAttribute("$ref", AttributeType.Reference)
                    {
                        Description = "The URI of the SCIM resource representing the User's manager.",
                        ReferenceTypes = ["User"],
                    },
                    ReadOnlyText("displayName", "The displayName of the User's manager."),
                ])
            {
                Description = "The User's manager.",
            },
        ]);

    public static readonly ScimSchema Group = new(
        ScimConstants.GroupSchema,
        "Group",
        "Group",
        [
            Text("displayName", "A human-readable name for the Group. Unique within an organization, case-insensitively.")
                with { Required = true, Uniqueness = Uniqueness.Server },
            new SchemaAttribute(
                "members",
                AttributeType.Complex,
                [
                    Text("value", "Identifier of the member of this Group.") with { CaseExact = true, Mutability = Mutability.Immutable },
                    new SchemaAttribute("$ref", AttributeType.Reference)
                    {
                        Description = "The URI of the member resource.",
                        Mutability = Mutability.Immutable,
                        ReferenceTypes = ["User", "Group"],
                    },
                    Text("type", "The type of the member.") with { Mutability = Mutability.Immutable, CanonicalValues = ["User", "Group"] },
                    Text("display", "A human-readable name of the member.") with { Mutability = Mutability.Immutable },
                ])
            {
                Description = "A list of members of the Group.",
                MultiValued = true,
                Returned = Returned.Default,
            },
        ]);

    private static SchemaAttribute Text(string name, string description) =>
        new(name, AttributeType.String) { Description = description };

    private static SchemaAttribute ReadOnlyText(string name, string description) =>
        new(name, AttributeType.String) { Description = description, Mutability = Mutability.ReadOnly };

    /// <summary>The value/display/type/primary shape shared by emails, phoneNumbers, ims, photos, entitlements, roles.</summary>
    private static SchemaAttribute MultiValued(string name, string description, IReadOnlyList<string> types, AttributeType valueType) =>
        new(
            name,
            AttributeType.Complex,
            [
                new SchemaAttribute("value", valueType)
                {
                    Description = $"The value of one of {name}.",
                    ReferenceTypes = valueType == AttributeType.Reference ? [SchemaAttribute.ExternalReference] : [],
                },
                Text("display", "A human-readable name, primarily used for display purposes."),
                Text("type", "A label indicating the attribute's function.") with { CanonicalValues = types },
                new SchemaAttribute("primary", AttributeType.Boolean)
                {
                    Description = "Indicates the preferred value. At most one value may be primary.",
                },
            ])
        {
            Description = description,
            MultiValued = true,
        };
}
