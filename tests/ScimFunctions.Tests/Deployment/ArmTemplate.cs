using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScimFunctions.Testing;

namespace ScimFunctions.Tests.Deployment;

/// <summary>infra/main.bicep compiled to ARM JSON by the Bicep CLI the repository restores, with its resources flattened.</summary>
public sealed partial class ArmTemplate
{
    private static readonly Lazy<ArmTemplate> Compiled = new(Compile);
    private readonly ConditionalWeakTable<JsonObject, JsonObject> _variables = [];

    private ArmTemplate(JsonObject template)
    {
        Template = template;
        Resources = [.. Flatten(template, template["variables"] as JsonObject ?? [])];
    }

    public static ArmTemplate Main => Compiled.Value;

    public JsonObject Template { get; }

    /// <summary>Every resource, nested deployments' included.</summary>
    public IReadOnlyList<JsonObject> Resources { get; }

    public IEnumerable<JsonObject> OfType(string type) =>
        Resources.Where(r => string.Equals(r["type"]?.GetValue<string>(), type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Single(string type) => Assert.Single(OfType(type));

    private static ArmTemplate Compile()
    {
        var root = Azurite.RepositoryRoot();
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "bicep.sh"), "build", Path.Combine(root, "infra", "main.bicep"), "--stdout"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        using var bicep = Process.Start(start)!;
        var json = bicep.StandardOutput.ReadToEndAsync();
        var errors = bicep.StandardError.ReadToEndAsync();
        bicep.WaitForExit();
        Assert.True(bicep.ExitCode == 0, "bicep build failed: " + errors.Result);
        return new ArmTemplate(JsonNode.Parse(json.Result)!.AsObject());
    }

    /// <summary>An expression of a resource with its template's <c>variables('name')</c> replaced by their values.</summary>
    public string Expand(JsonObject resource, string expression) =>
        _variables.TryGetValue(resource, out var variables)
            ? VariableReference().Replace(expression, m => variables[m.Groups[1].Value]?.ToString() ?? m.Value)
            : expression;

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableReference();

    private IEnumerable<JsonObject> Flatten(JsonObject template, JsonObject variables)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject map => map.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        };
        foreach (var resource in resources)
        {
            _variables.AddOrUpdate(resource, variables);
            yield return resource;
            if (resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Flatten(nested, nested["variables"] as JsonObject ?? []))
                {
                    yield return inner;
                }
            }
        }
    }
}
