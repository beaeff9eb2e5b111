using Driver.Sim.Igt.Tests;

namespace Driver.Sim.Igt;

/// <summary>
/// Every subtest the runner and the xunit front end know, in registration order. <see cref="Default"/> holds the
/// ported IGT binaries; tests build their own catalogs from fake subtests.
/// </summary>
public sealed class IgtCatalog
{
    private static readonly Lazy<IgtCatalog> s_default = new(() => new IgtCatalog(
    [
        new GemEio(), new I915Hangman(), new GemResetStats(), new GemExecFence(), new GemCtxPersistence(),
        new GemCtxExec(), new GemExecWhisper(), new GemExecNop(), new VgemBasic(), new VgemSlow(), new SelftestHangcheck(), new GemMmapGtt(),
    ]));

    /// <summary>Builds a catalog from binaries.</summary>
    public IgtCatalog(IEnumerable<IIgtBinary> binaries)
    {
        var all = new List<IgtSubtest>();
        foreach (var binary in binaries)
        {
            var builder = new IgtBinaryBuilder(binary.Name);
            binary.Register(builder);
            all.AddRange(builder.Subtests);
        }
        Subtests = Check(all);
    }

    /// <summary>Builds a catalog from subtests.</summary>
    public IgtCatalog(IEnumerable<IgtSubtest> subtests) => Subtests = Check(subtests.ToList());

    /// <summary>The ported IGT binaries.</summary>
    public static IgtCatalog Default => s_default.Value;

    /// <summary>Every subtest.</summary>
    public IReadOnlyList<IgtSubtest> Subtests { get; }

    /// <summary>Binary names in order of first appearance.</summary>
    public IReadOnlyList<string> Binaries => Subtests.Select(s => s.Binary).Distinct().ToList();

    /// <summary>
    /// The subtests matching <paramref name="globs"/> (comma-separated fnmatch globs over "binary@subtest" or
    /// "igt@binary@subtest"); all of them for null.
    /// </summary>
    public IReadOnlyList<IgtSubtest> Match(string? globs) => globs is null
        ? Subtests
        : Subtests.Where(s => IgtGlob.IsMatch(globs, s.ShortName) || IgtGlob.IsMatch(globs, s.FullName)).ToList();

    /// <summary>The subtest with this full or short name, or null.</summary>
    public IgtSubtest? Find(string name) => Subtests.FirstOrDefault(s => s.FullName == name || s.ShortName == name);

    private static IReadOnlyList<IgtSubtest> Check(List<IgtSubtest> subtests)
    {
        var dup = subtests.GroupBy(s => s.FullName).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"{dup.Key} is registered twice");
        return subtests;
    }
}
