using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Filtering;
using ScimFunctions.Core.Patching;
using ScimFunctions.Core.Protocol;
using ScimFunctions.Core.Schema;

namespace ScimFunctions.Core.Compatibility;

/// <summary>
/// The one place where request shapes that Microsoft Entra ID and Okta really send, but RFC 7643/7644 does not
/// allow, are turned into their RFC meaning. Responses are never shaped here: answers follow the RFC.
/// <list type="bullet">
/// <item>PATCH <c>op</c> in any case (<c>Replace</c>, <c>Add</c>, <c>Remove</c>): Entra ID without <c>aadOptscim062020</c>.</item>
/// <item>Booleans as strings (<c>"True"</c>, <c>"False"</c>) for boolean attributes, in bodies and filters: Entra ID.</item>
/// <item>Group member removal as <c>remove</c> on <c>members</c> with a value array: Entra ID.</item>
/// <item>Path-less add/replace whose value has dotted keys (<c>name.givenName</c>) or URN-qualified keys: Entra ID
///   with <c>aadOptscim062020</c> and its validator.</item>
/// <item>add/replace on <c>emails[type eq "work"].value</c> when no such element exists creates it: Entra ID.</item>
/// <item>The enterprise <c>manager</c> as a string, as <c>{value}</c> or as <c>[{value,$ref}]</c>, and removed by
///   a replace with <c>{"value":""}</c>: Entra ID.</item>
/// <item><c>roles</c> elements given as JSON text inside a string: Entra ID app-role assignments.</item>
/// <item>Path-less replace carrying <c>id</c> or other read-only attributes (<c>{"id":…,"displayName":…}</c>):
///   Okta, whose read-only keys are ignored.</item>
/// <item><c>password</c> and <c>groups</c> in POST bodies: Okta; accepted, never stored or returned.</item>
/// <item>An unquoted filter value (<c>externalId eq jyoung</c>) and a sub-attribute after a filter value path
///   (<c>emails[type eq "work"].value eq "x"</c>): see <see cref="FilterParser"/>.</item>
/// <item>A PUT without <c>active</c> keeps the current state: Okta profile updates.</item>
/// <item>Soft delete by renaming <c>userName</c> to a tombstone (object id + UPN) and restore by renaming it back:
///   Entra ID. Recognised for the provisioning record and for an actionable conflict on restore.</item>
/// </list>
/// </summary>
public static class IdentityProviderQuirks
{
    /// <summary>In a filter on a boolean attribute, a string "true"/"false" means the boolean.</summary>
    public static FilterLiteral CoerceFilterLiteral(FilterLiteral literal, AttributeType type) =>
        type == AttributeType.Boolean && literal.Kind == FilterLiteralKind.String && TryParseBooleanText(literal.Text, out var value)
            ? (value ? FilterLiteral.True : FilterLiteral.False)
            : literal;

    /// <summary>A boolean attribute's value given as the string "True" or "False", in any case.</summary>
    public static bool TryCoerceBoolean(JsonNode node, out bool value)
    {
        if (node.GetValueKind() == JsonValueKind.String)
        {
            return TryParseBooleanText(node.GetValue<string>(), out value);
        }

        value = false;
        return false;
    }

    /// <summary>PATCH <c>op</c> names are matched case-insensitively.</summary>
    public static bool TryParseOperation(string? op, out PatchOperationType type)
    {
        type = default;
        if (op is null)
        {
            return false;
        }

        if (op.Equals("add", StringComparison.OrdinalIgnoreCase))
        {
            type = PatchOperationType.Add;
            return true;
        }

        if (op.Equals("replace", StringComparison.OrdinalIgnoreCase))
        {
            type = PatchOperationType.Replace;
            return true;
        }

        if (op.Equals("remove", StringComparison.OrdinalIgnoreCase))
        {
            type = PatchOperationType.Remove;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Rewrites a value in an IdP's shape into the RFC shape of <paramref name="attribute"/> before type checks.
    /// Returns null when the value means "clear the attribute" (Entra's <c>{"value":""}</c> for manager).
    /// </summary>
    public static JsonNode? NormalizeValue(ResolvedAttribute attribute, JsonNode? value)
    {
        if (value is null)
        {
            return null;
        }

        if (IsManager(attribute))
        {
            return NormalizeManager(value);
        }

        if (attribute.Attribute.IsMultiValuedComplex && string.Equals(attribute.Attribute.Name, "roles", StringComparison.Ordinal)
            && !attribute.IsExtension)
        {
            return NormalizeRoles(value);
        }

        return value;
    }

    /// <summary>
    /// Entra's member removal: <c>{"op":"Remove","path":"members","value":[{"value":"id"}]}</c> removes those members,
    /// not all of them. Returns the ids, or null when the operation is not of that shape.
    /// </summary>
    public static IReadOnlyList<string>? GetValuesToRemove(ResolvedAttribute attribute, JsonNode? value)
    {
        if (value is null || !attribute.Attribute.IsMultiValuedComplex || attribute.Attribute.FindSubAttribute("value") is null)
        {
            return null;
        }

        var items = value as JsonArray ?? [value.DeepClone()];
        var ids = new List<string>(items.Count);
        foreach (var item in items)
        {
            var id = item switch
            {
                JsonObject element => FindProperty(element, "value"),
                JsonValue text => text,
                _ => null,
            };
            if (id is null || id.GetValueKind() != JsonValueKind.String)
            {
                throw new ScimException(ScimError.InvalidValue(
                    $"Each value removed from '{attribute.QualifiedName}' needs a string 'value'."));
            }

            ids.Add(id.GetValue<string>());
        }

        return ids;
    }

    /// <summary>
    /// Entra ID adds or replaces <c>emails[type eq "work"].value</c>, <c>addresses[type eq "work"].locality</c>,
    /// <c>phoneNumbers[type eq "mobile"].value</c> when the user has no such element yet: the element is created from
    /// the filter. An <c>add</c> creates it when the filter is one <c>eq</c> comparison, or an <c>and</c> of them, on
    /// sub-attributes. A <c>replace</c> creates it only for that selection by a canonical <c>type</c>; any other
    /// <c>replace</c> that matches nothing is <c>noTarget</c> (RFC 7644 §3.5.2.3). Returns null when nothing is created.
    /// </summary>
    public static JsonObject? CreateElementFromFilter(PatchOperationType operation, SchemaAttribute attribute, FilterExpression filter)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        if (operation == PatchOperationType.Replace && !IsCanonicalTypeSelection(attribute, filter))
        {
            return null;
        }

        var element = new JsonObject();
        return Collect(filter, element) ? element : null;

        static bool Collect(FilterExpression expression, JsonObject element) => expression switch
        {
            LogicalExpression { Operator: LogicalOperator.And } and => Collect(and.Left, element) && Collect(and.Right, element),
            ComparisonExpression { Operator: ComparisonOperator.Equal, Path.SubAttribute: null, Path.SchemaUri: null } eq
                when eq.Value.Kind != FilterLiteralKind.Null && !element.ContainsKey(eq.Path.Name) =>
                Add(element, eq.Path.Name, eq.Value),
            _ => false,
        };

        static bool Add(JsonObject element, string name, FilterLiteral literal)
        {
            element[name] = literal.Kind switch
            {
                FilterLiteralKind.String => JsonValue.Create(literal.Text),
                FilterLiteralKind.Boolean => JsonValue.Create(literal.AsBoolean),
                _ => JsonNode.Parse(literal.Text),
            };
            return true;
        }
    }

    /// <summary><c>type eq "work"</c> where <c>work</c> is one of the canonical values of the attribute's <c>type</c>.</summary>
    private static bool IsCanonicalTypeSelection(SchemaAttribute attribute, FilterExpression filter) =>
        filter is ComparisonExpression { Operator: ComparisonOperator.Equal, Path.SubAttribute: null, Path.SchemaUri: null, Value.Kind: FilterLiteralKind.String } eq
        && eq.Path.Name.Equals("type", StringComparison.OrdinalIgnoreCase)
        && attribute.FindSubAttribute("type") is { } type
        && type.CanonicalValues.Contains(eq.Value.Text, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Entra ID soft-deletes a user by renaming its <c>userName</c> to the object id as 32 hex digits followed by the
    /// original UPN (and sending <c>active:false</c>); a restore renames it back. Returns the original userName that a
    /// tombstone hides, or null when <paramref name="userName"/> is not one.
    /// </summary>
    public static string? EntraTombstoneOriginal(string? userName)
    {
        if (userName is null || userName.Length <= 32 || userName.AsSpan(0, 32).ContainsAnyExcept(HexDigits))
        {
            return null;
        }

        var original = userName[32..];
        return original.Contains('@', StringComparison.Ordinal) ? original : null;
    }

    /// <summary>What a rename of <c>userName</c> means: an Entra ID soft delete, its restore, or neither (null).</summary>
    public static string? EntraSoftDeleteTransition(string before, string after)
    {
        if (string.Equals(EntraTombstoneOriginal(after), before, StringComparison.OrdinalIgnoreCase))
        {
            return IdpSoftDelete;
        }

        return string.Equals(EntraTombstoneOriginal(before), after, StringComparison.OrdinalIgnoreCase) ? IdpRestore : null;
    }

    /// <summary>The provisioning-record notes of <see cref="EntraSoftDeleteTransition"/>.</summary>
    public const string IdpSoftDelete = "idpSoftDelete";

    public const string IdpRestore = "idpRestore";

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// Okta profile updates are PUTs that leave out <c>active</c> (it PATCHes activation separately): an omitted
    /// <c>active</c> keeps the current state instead of reading as active, so a PUT never reactivates a user.
    /// </summary>
    public static void KeepOmittedActive(JsonObject existing, JsonObject replacement)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(replacement);
        if (!replacement.ContainsKey("active") && existing["active"] is { } active)
        {
            replacement["active"] = active.DeepClone();
        }
    }

    /// <summary>
    /// Okta sends <c>password</c> on create and in PATCH; it is accepted and discarded, never stored or returned.
    /// </summary>
    public static bool IsDiscardedOnWrite(SchemaAttribute attribute) => attribute.Mutability == Mutability.WriteOnly;

    private static bool IsManager(ResolvedAttribute attribute) =>
        attribute.IsExtension
        && string.Equals(attribute.Schema.Id, ScimConstants.EnterpriseUserSchema, StringComparison.Ordinal)
        && string.Equals(attribute.Attribute.Name, "manager", StringComparison.Ordinal);

    private static JsonNode? NormalizeManager(JsonNode value)
    {
        // [{"value":"id","$ref":"..."}] → {"value":"id","$ref":"..."}
        if (value is JsonArray array)
        {
            return array.Count switch
            {
                0 => null,
                1 => NormalizeManager(array[0]?.DeepClone() ?? JsonValue.Create(string.Empty)),
                _ => throw new ScimException(ScimError.InvalidValue("A user has one manager; 'manager' was given several values.")),
            };
        }

        // "id" → {"value":"id"}
        if (value.GetValueKind() == JsonValueKind.String)
        {
            var id = value.GetValue<string>();
            return id.Length == 0 ? null : new JsonObject { ["value"] = id };
        }

        // {"value":""} (Entra's way to remove the manager) → clear
        if (value is JsonObject manager && FindProperty(manager, "value") is { } managerId
            && managerId.GetValueKind() == JsonValueKind.String && managerId.GetValue<string>().Length == 0)
        {
            return null;
        }

        return value;
    }

    private static JsonNode NormalizeRoles(JsonNode value)
    {
        // The whole value as JSON text: "[{...}]" or "{...}".
        if (value.GetValueKind() == JsonValueKind.String && TryParseJsonText(value.GetValue<string>()) is { } parsed)
        {
            value = parsed;
        }

        if (value is not JsonArray roles)
        {
            return value is JsonObject single ? NormalizeRoles(new JsonArray(single.DeepClone())) : value;
        }

        var result = new JsonArray();
        foreach (var role in roles)
        {
            result.Add(NormalizeRole(role));
        }

        return result;
    }

    /// <summary><c>{"value":"{\"id\":…,\"value\":\"Admin\",\"displayName\":\"Admin\"}"}</c> → <c>{"value":"Admin","display":"Admin"}</c>.</summary>
    private static JsonNode? NormalizeRole(JsonNode? role)
    {
        var inner = role switch
        {
            JsonObject element when FindProperty(element, "value") is JsonValue v && v.GetValueKind() == JsonValueKind.String
                => TryParseJsonText(v.GetValue<string>()) as JsonObject,
            JsonValue text when text.GetValueKind() == JsonValueKind.String => TryParseJsonText(text.GetValue<string>()) as JsonObject,
            _ => null,
        };
        if (inner is null)
        {
            return role?.DeepClone();
        }

        var normalized = role is JsonObject outer ? (JsonObject)outer.DeepClone() : [];
        normalized.Remove("value");
        foreach (var (key, node) in inner)
        {
            if (key.Equals("value", StringComparison.OrdinalIgnoreCase))
            {
                normalized["value"] = node?.DeepClone();
            }
            else if (key.Equals("displayName", StringComparison.OrdinalIgnoreCase) || key.Equals("display", StringComparison.OrdinalIgnoreCase))
            {
                normalized["display"] = node?.DeepClone();
            }
            else if (key.Equals("type", StringComparison.OrdinalIgnoreCase) || key.Equals("primary", StringComparison.OrdinalIgnoreCase))
            {
                normalized[key.ToLowerInvariant()] = node?.DeepClone();
            }
        }

        return normalized;
    }

    private static JsonNode? TryParseJsonText(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonNode? FindProperty(JsonObject obj, string name)
    {
        foreach (var (key, node) in obj)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return node;
            }
        }

        return null;
    }

    internal static bool TryParseBooleanText(string text, out bool value)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            value = true;
            return true;
        }

        if (trimmed.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            value = false;
            return true;
        }

        value = false;
        return false;
    }
}
