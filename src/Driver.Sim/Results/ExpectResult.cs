namespace Driver.Sim.Results;

/// <summary>Outcome of the scenario's expectations.</summary>
public sealed record ExpectResult
{
    /// <summary>Whether every expectation held.</summary>
    public required bool Passed { get; init; }

    /// <summary>Expectations checked.</summary>
    public required int Checked { get; init; }

    /// <summary>One line per expectation that failed, naming its JSON path.</summary>
    public required IReadOnlyList<string> Failures { get; init; }
}
