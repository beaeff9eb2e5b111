using System.Xml.Linq;

namespace Driver.Sim.Tests.Layout;

/// <summary>The solution's projects as their .csproj files declare them: project references and package references.</summary>
public sealed class ProjectGraph
{
    /// <summary>Builds a graph from explicit edges (for testing the rules themselves).</summary>
    public ProjectGraph(IReadOnlyDictionary<string, IReadOnlyList<string>> references,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? packages = null)
    {
        References = references;
        Packages = packages ?? references.Keys.ToDictionary(k => k, IReadOnlyList<string> (_) => []);
    }

    /// <summary>Project name → names of the projects it references directly.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> References { get; }

    /// <summary>Project name → the packages it references directly.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Packages { get; }

    /// <summary>Reads every .csproj under src/, tests/ and bench/ of the checkout at <paramref name="root"/>.</summary>
    public static ProjectGraph Load(string root)
    {
        var references = new Dictionary<string, IReadOnlyList<string>>();
        var packages = new Dictionary<string, IReadOnlyList<string>>();
        foreach (string dir in new[] { "src", "tests", "bench" })
        {
            foreach (string csproj in Directory.GetFiles(Path.Combine(root, dir), "*.csproj", SearchOption.AllDirectories))
            {
                string name = Path.GetFileNameWithoutExtension(csproj);
                var xml = XDocument.Load(csproj);
                references[name] = xml.Descendants("ProjectReference")
                    .Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!.Value))
                    .ToList();
                packages[name] = xml.Descendants("PackageReference").Select(r => (string)r.Attribute("Include")!).ToList();
            }
        }

        return new ProjectGraph(references, packages);
    }

    /// <summary>Every project <paramref name="project"/> reaches through project references, itself excluded.</summary>
    public IReadOnlySet<string> Closure(string project)
    {
        var seen = new HashSet<string>();
        var todo = new Stack<string>(References.GetValueOrDefault(project, []));
        while (todo.TryPop(out string? next))
        {
            if (seen.Add(next))
            {
                foreach (string r in References.GetValueOrDefault(next, []))
                {
                    todo.Push(r);
                }
            }
        }

        return seen;
    }
}
