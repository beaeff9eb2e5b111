namespace Driver.Igt;

/// <summary>
/// Every subtest the runner and the xunit front end know, in registration order. The framework holds no content: the
/// ported IGT binaries register themselves into a catalog of their own (Driver.Igt.Subtests' <c>IgtSuite</c>); tests
/// build theirs from fake subtests.
/// </summary>
public sealed class IgtCatalog
{
    /// <summary>Builds a catalog from binaries.</summary>
    public IgtCatalog(IEnumerable<IIgtBinary> binaries)
    {
        var all = new List<IgtSubtest>();
        foreach (IIgtBinary binary in binaries)
        {
            var builder = new IgtBinaryBuilder(binary.Name);
            binary.Register(builder);
            all.AddRange(builder.Subtests);
        }
        Subtests = Check(all);
    }

    /// <summary>Builds a catalog from subtests.</summary>
    public IgtCatalog(IEnumerable<IgtSubtest> subtests) => Subtests = Check(subtests.ToList());

    /// <summary>Every subtest.</summary>
    public IReadOnlyList<IgtSubtest> Subtests { get; }

    /// <summary>Binary names in order of first appearance.</summary>
    public IReadOnlyList<string> Binaries => Subtests.Select(s => s.Binary).Distinct().ToList();

    /// <summary>
    /// The subtests matching <paramref name="globs"/> (a uwildmat expression, <see cref="IgtGlob"/>, over
    /// "binary@subtest" or "igt@binary@subtest"); all of them for null.
    /// </summary>
    public IReadOnlyList<IgtSubtest> Match(string? globs) => globs is null
        ? Subtests
        : Subtests.Where(s => IgtGlob.IsMatch(globs, [s.ShortName, s.FullName])).ToList();

    /// <summary>The subtest with this full or short name, or null.</summary>
    public IgtSubtest? Find(string name) => Subtests.FirstOrDefault(s => s.FullName == name || s.ShortName == name);

    private static IReadOnlyList<IgtSubtest> Check(List<IgtSubtest> subtests)
    {
        IGrouping<string, IgtSubtest>? dup = subtests.GroupBy(s => s.FullName).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new ArgumentException($"{dup.Key} is registered twice");
        }

        return subtests;
    }
}
