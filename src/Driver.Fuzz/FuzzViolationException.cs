namespace Driver.Fuzz;

/// <summary>What a fuzz property throws when a case broke a rule: every problem found, one per line.</summary>
public sealed class FuzzViolationException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems.Take(12)) + (problems.Count > 12 ? $"{Environment.NewLine}… and {problems.Count - 12} more" : ""))
{
    /// <summary>The problems.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>Throws when <paramref name="problems"/> is not empty.</summary>
    public static void ThrowIfAny(List<string> problems)
    {
        if (problems.Count > 0)
        {
            throw new FuzzViolationException(problems);
        }
    }
}
