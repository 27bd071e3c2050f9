using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ScimFunctions.Application.Provisioning.Stores;
using ScimFunctions.Core.Protocol;

namespace ScimFunctions.Infrastructure.Storage;

/// <summary>
/// Stores a resource's JSON in string properties <c>Doc</c>, <c>Doc1</c>, <c>Doc2</c>, … of at most 32,768
/// characters each (Table Storage's 64 KiB per string property), and refuses a document that would not fit in one
/// entity (1 MiB) with <see cref="ResourceTooLargeException"/>.
/// </summary>
internal static class DocumentColumns
{
    public const string First = "Doc";

    /// <summary>Room left in the entity for the row's other properties.</summary>
    private const int ReservedBytes = 8 * 1024;

    public static void Write(TableEntity entity, JsonObject document)
    {
        var json = document.ToJsonString(ScimJson.Options);
        var maxChars = (StorageLimits.MaxEntityBytes - StorageLimits.EntityOverheadBytes - ReservedBytes) / 2;
        if (json.Length > maxChars)
        {
            throw new ResourceTooLargeException(
                $"The resource is {json.Length:N0} characters of JSON; at most {maxChars:N0} can be stored.");
        }

        var chunk = StorageLimits.MaxStringPropertyChars;
        for (var i = 0; i * chunk < json.Length; i++)
        {
            entity[Name(i)] = json.Substring(i * chunk, Math.Min(chunk, json.Length - (i * chunk)));
        }
    }

    public static JsonObject Read(TableEntity entity)
    {
        var first = entity.GetString(First) ?? "{}";
        if (!entity.ContainsKey(Name(1)))
        {
            return JsonNode.Parse(first)!.AsObject();
        }

        var builder = new System.Text.StringBuilder(first);
        for (var i = 1; entity.GetString(Name(i)) is { } part; i++)
        {
            builder.Append(part);
        }

        return JsonNode.Parse(builder.ToString())!.AsObject();
    }

    private static string Name(int index) => index == 0 ? First : First + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
