namespace Driver.Sim.Tests.Layout;

/// <summary>
/// The architecture as rules over <see cref="ProjectGraph"/>: Core ← Engines ← (Engines.Vulkan) ← Reset ← Uapi ← Igt /
/// Sim. Each source project has a rank; a reference must point to a strictly lower rank. Engines.Vulkan and Reset
/// share a rank, so neither may reference the other: a reset must reach a Vulkan engine through the engine's own
/// interface, never by naming the backend.
/// </summary>
public static class Layering
{
    /// <summary>Rank of each source project, lowest first.</summary>
    public static readonly IReadOnlyDictionary<string, int> Ranks = new Dictionary<string, int>
    {
        ["Driver.Core"] = 0,
        ["Driver.Engines"] = 1,
        ["Driver.Engines.Vulkan"] = 2,
        ["Driver.Reset"] = 2,
        ["Driver.Uapi"] = 3,
        ["Driver.Igt"] = 4,
        ["Driver.Fuzz"] = 4,
        ["Driver.Drm"] = 4,
        ["Driver.Igt.Subtests"] = 5,
        ["Driver.Sim"] = 6,
    };

    /// <summary>
    /// What each test-support library (and a test project not named after its layer) stands on: its tests may reach that source project and what is below it, and
    /// nothing above (Driver.Core.Tests must build with no engine and no Silk.NET).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> SupportLayer = new Dictionary<string, string>
    {
        ["Driver.Testing"] = "Driver.Core",
        ["Driver.Testing.Gt"] = "Driver.Engines",
        ["Driver.Testing.Vulkan"] = "Driver.Engines.Vulkan",
        ["Driver.Testing.Devices"] = "Driver.Uapi",

        // Not support but the IGT-style suite: it runs the framework's ported subtests, so it stands on them.
        ["Driver.Igt.Tests"] = "Driver.Igt.Subtests",
    };

    /// <summary>Packages only one project may reference (the layer that owns the dependency).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> PackageOwners = new Dictionary<string, string[]>
    {
        ["Silk.NET.Vulkan"] = ["Driver.Engines.Vulkan"],
        ["System.CommandLine"] = ["Driver.Sim"],
        ["Spectre.Console"] = ["Driver.Sim"],
        ["BenchmarkDotNet"] = ["Driver.Bench"],
        ["CsCheck"] = ["Driver.Fuzz", "Driver.Fuzz.Tests"],
    };

    /// <summary>Every broken rule in <paramref name="graph"/>, one line each; empty when the layering holds.</summary>
    public static IReadOnlyList<string> Violations(ProjectGraph graph)
    {
        var problems = new List<string>();
        foreach ((string? project, IReadOnlyList<string>? references) in graph.References)
        {
            if (Ranks.TryGetValue(project, out int rank))
            {
                foreach (string target in references)
                {
                    if (!Ranks.TryGetValue(target, out int targetRank))
                    {
                        problems.Add($"{project} references {target}, which is not a source project");
                    }
                    else if (targetRank >= rank)
                    {
                        problems.Add($"{project} (rank {rank}) references {target} (rank {targetRank}): references point down only");
                    }
                }
            }
            else if (project.EndsWith(".Tests", StringComparison.Ordinal) || SupportLayer.ContainsKey(project))
            {
                string? layer = LayerOf(project);
                if (layer is null)
                {
                    problems.Add($"{project} names no source project (expected tests/<source project>.Tests)");
                    continue;
                }

                foreach (string reached in graph.Closure(project).Where(Ranks.ContainsKey))
                {
                    if (Ranks[reached] > Ranks[layer] || (Ranks[reached] == Ranks[layer] && reached != layer))
                    {
                        problems.Add($"{project} tests {layer} but reaches {reached}, a layer above or beside it");
                    }
                }
            }
        }

        foreach ((string? package, string[]? owners) in PackageOwners)
        {
            foreach ((string? project, IReadOnlyList<string>? packages) in graph.Packages)
            {
                if (packages.Contains(package) && !owners.Contains(project))
                {
                    problems.Add($"{project} references package {package}, which only {string.Join(", ", owners)} may");
                }
            }
        }

        return problems;
    }

    /// <summary>The source project a test project or support library stands on.</summary>
    private static string? LayerOf(string project)
    {
        if (SupportLayer.TryGetValue(project, out string? layer))
        {
            return layer;
        }

        string source = project[..^".Tests".Length];
        return Ranks.ContainsKey(source) ? source : null;
    }
}
