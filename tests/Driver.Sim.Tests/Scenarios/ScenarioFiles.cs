namespace Driver.Sim.Tests.Scenarios;

/// <summary>Finds the repository's scenarios/ folder from the test binaries (walking up from the output folder).</summary>
internal static class ScenarioFiles
{
    /// <summary>The scenarios/ folder.</summary>
    public static string Directory { get; } = Find();

    /// <summary>Path of the shipped scenario <paramref name="name"/> ("wedge" → scenarios/wedge.json).</summary>
    public static string Path(string name) => System.IO.Path.Combine(Directory, name + ".json");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "scenarios");
            if (File.Exists(System.IO.Path.Combine(candidate, "default.json")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"no scenarios/default.json above {AppContext.BaseDirectory}");
    }
}
