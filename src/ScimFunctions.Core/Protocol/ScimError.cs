using System.Globalization;
using System.Text.Json.Nodes;

namespace ScimFunctions.Core.Protocol;

/// <summary>A SCIM error (RFC 7644 §3.12): an HTTP status, an optional <c>scimType</c> and a human-readable detail.</summary>
public sealed record ScimError(int Status, string? ScimType, string Detail)
{
    public static ScimError InvalidFilter(string detail) => new(400, ScimErrorType.InvalidFilter, detail);

    public static ScimError InvalidSyntax(string detail) => new(400, ScimErrorType.InvalidSyntax, detail);

    public static ScimError InvalidValue(string detail) => new(400, ScimErrorType.InvalidValue, detail);

    public static ScimError InvalidPath(string detail) => new(400, ScimErrorType.InvalidPath, detail);

    public static ScimError NoTarget(string detail) => new(400, ScimErrorType.NoTarget, detail);

    public static ScimError MutabilityViolation(string detail) => new(400, ScimErrorType.Mutability, detail);

    public static ScimError Uniqueness(string detail) => new(409, ScimErrorType.Uniqueness, detail);

    public static ScimError NotFound(string detail) => new(404, null, detail);

    public static ScimError PreconditionFailed(string detail) => new(412, null, detail);

    public static ScimError Forbidden(string detail) => new(403, null, detail);

    /// <summary>The error message body of RFC 7644 §3.12; <c>status</c> is a string as the RFC's schema says.</summary>
    public JsonObject ToJson(string? detailSuffix = null)
    {
        var body = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimConstants.ErrorMessage),
            ["status"] = Status.ToString(CultureInfo.InvariantCulture),
        };
        if (ScimType is not null)
        {
            body["scimType"] = ScimType;
        }

        body["detail"] = detailSuffix is null ? Detail : $"{Detail} {detailSuffix}";
        return body;
    }
}
