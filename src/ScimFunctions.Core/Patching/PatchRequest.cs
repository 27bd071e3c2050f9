using System.Text.Json;
using System.Text.Json.Nodes;
using ScimFunctions.Core.Compatibility;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Core.Patching;

/// <summary>One operation of a PATCH request as it was sent (RFC 7644 §3.5.2), before it is bound to a schema.</summary>
/// <param name="Type">add, replace or remove.</param>
/// <param name="Path">The target path, or null when the operation had none.</param>
/// <param name="Value">The <c>value</c> member as sent.</param>
/// <param name="HasValue">Whether the operation had a <c>value</c> member at all (a null value is still a value).</param>
public sealed record PatchOperation(PatchOperationType Type, string? Path, JsonNode? Value, bool HasValue = true);

/// <summary>A PATCH request: the <c>PatchOp</c> message of RFC 7644 §3.5.2.</summary>
public sealed record PatchRequest(IReadOnlyList<PatchOperation> Operations)
{
    /// <summary>More operations than any identity provider sends in one request is refused rather than processed.</summary>
    public const int MaxOperations = 1000;

    public static PatchRequest Parse(JsonNode? body)
    {
        if (body is not JsonObject message)
        {
            throw Syntax("The request body must be a PatchOp message (a JSON object).");
        }

        var schemas = Find(message, "schemas") as JsonArray;
        if (schemas is null || !schemas.Any(s => s?.GetValueKind() == JsonValueKind.String
                && string.Equals(s.GetValue<string>(), ScimConstants.PatchOpMessage, StringComparison.OrdinalIgnoreCase)))
        {
            throw Syntax($"'schemas' must contain '{ScimConstants.PatchOpMessage}'.");
        }

        if (Find(message, "Operations") is not JsonArray operations || operations.Count == 0)
        {
            throw Syntax("'Operations' must be a non-empty array.");
        }

        if (operations.Count > MaxOperations)
        {
            throw Syntax($"A PATCH request can carry at most {MaxOperations} operations; send the changes in several requests.");
        }

        var parsed = new List<PatchOperation>(operations.Count);
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not JsonObject operation)
            {
                throw Syntax($"Operation {i + 1} is not a JSON object.");
            }

            var opNode = Find(operation, "op");
            var opText = opNode?.GetValueKind() == JsonValueKind.String ? opNode.GetValue<string>() : null;
            if (!IdentityProviderQuirks.TryParseOperation(opText, out var type))
            {
                throw Syntax($"Operation {i + 1} has op '{opText ?? opNode?.ToJsonString() ?? "(none)"}'; use add, replace or remove.");
            }

            var pathNode = Find(operation, "path");
            string? path = null;
            if (pathNode is not null)
            {
                if (pathNode.GetValueKind() != JsonValueKind.String)
                {
                    throw new ScimException(ScimError.InvalidPath($"The path of operation {i + 1} must be a string."));
                }

                path = pathNode.GetValue<string>().Trim();
                if (path.Length == 0)
                {
                    path = null;
                }
            }

            var hasValue = TryFind(operation, "value", out var value);
            parsed.Add(new PatchOperation(type, path, value, hasValue));
        }

        return new PatchRequest(parsed);
    }

    private static JsonNode? Find(JsonObject obj, string name) => TryFind(obj, name, out var value) ? value : null;

    private static bool TryFind(JsonObject obj, string name, out JsonNode? value)
    {
        if (obj.TryGetPropertyValue(name, out value))
        {
            return true;
        }

        foreach (var (key, node) in obj)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = node;
                return true;
            }
        }

        value = null;
        return false;
    }

    private static ScimException Syntax(string detail) => new(ScimError.InvalidSyntax(detail));
}
