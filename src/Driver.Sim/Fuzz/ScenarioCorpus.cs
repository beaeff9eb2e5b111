using Driver.Sim.Scenarios;

namespace Driver.Sim.Fuzz;

/// <summary>The scenario files mutations start from: the shipped scenarios/*.json (not the schema), or the embedded default.</summary>
public sealed class ScenarioCorpus
{
    private ScenarioCorpus(IReadOnlyList<(string Name, string Json)> files) => Files = files;

    /// <summary>File name and text of each scenario.</summary>
    public IReadOnlyList<(string Name, string Json)> Files { get; }

    /// <summary>The scenarios in <paramref name="directory"/>.</summary>
    public static ScenarioCorpus FromDirectory(string directory) => new(Directory.GetFiles(directory, "*.json")
        .Where(p => !p.EndsWith(".schema.json", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(p => (Path.GetFileName(p), File.ReadAllText(p)))
        .ToArray());

    /// <summary>
    /// The shipped scenarios: the scenarios/ folder in or above <paramref name="start"/> (the current directory by
    /// default), else the embedded default scenario alone.
    /// </summary>
    public static ScenarioCorpus Find(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "scenarios");
            if (File.Exists(Path.Combine(candidate, "default.json")))
            {
                return FromDirectory(candidate);
            }
        }

        using Stream stream = typeof(ScenarioLoader).Assembly.GetManifestResourceStream(ScenarioLoader.DefaultResource)!;
        using var reader = new StreamReader(stream);
        return new ScenarioCorpus([("default.json", reader.ReadToEnd())]);
    }
}
