namespace Driver.Sim.Scenarios;

/// <summary>
/// A scenario that cannot be loaded or is invalid: names the file, the field (a JSON path such as
/// <c>$.phases[0].steps[1].count</c>) and what is wrong. The CLI prints <see cref="Exception.Message"/> and exits 2.
/// </summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Creates the exception for one or more problems found in <paramref name="source"/>.</summary>
    public ScenarioException(string source, IReadOnlyList<ScenarioError> errors)
        : base(Format(source, errors))
    {
        Source = source;
        Errors = errors;
    }

    /// <summary>Creates the exception for a single problem.</summary>
    public ScenarioException(string source, string? path, string message, long? line = null)
        : this(source, [new ScenarioError(path, message, line)])
    {
    }

    /// <summary>The file (or "embedded default scenario") the problem is in.</summary>
    public new string Source { get; }

    /// <summary>The problems, in the order found.</summary>
    public IReadOnlyList<ScenarioError> Errors { get; }

    private static string Format(string source, IReadOnlyList<ScenarioError> errors) =>
        string.Join(Environment.NewLine, errors.Select(e => e.Format(source)));
}
