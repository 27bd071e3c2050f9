using System.Text.Json.Nodes;

namespace ScimFunctions.Core.Tests.Support;

/// <summary>Golden request fixtures under Fixtures/, copied to the test output.</summary>
internal static class Fixtures
{
    /// <summary>The repository's root folder (the one holding ScimFunctions.sln), for checks against its documents.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "ScimFunctions.sln")))
                {
                    return folder.FullName;
                }
            }

            throw new InvalidOperationException("The repository root (ScimFunctions.sln) was not found above the test output.");
        }
    }

    public static string Directory(string folder) => Path.Combine(AppContext.BaseDirectory, "Fixtures", folder);

    public static TheoryData<string> Names(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory(folder), "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    public static JsonObject Load(string folder, string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Directory(folder), name + ".json")))!.AsObject();
}
