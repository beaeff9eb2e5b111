using System.Globalization;

namespace Driver.Fuzz;

/// <summary>What one fuzz property did: cases run, time spent, and the (shrunk) failure if one was found.</summary>
public sealed record FuzzReport
{
    /// <summary>Target name (batches, uapi, scenarios).</summary>
    public required string Target { get; init; }

    /// <summary>Seed of the case sequence.</summary>
    public required int Seed { get; init; }

    /// <summary>Cases run in the exploration (shrinking not counted).</summary>
    public required int Cases { get; init; }

    /// <summary>Seconds spent, shrinking included.</summary>
    public required double Seconds { get; init; }

    /// <summary>Execbufs the driver accepted over the exploration (<see cref="FuzzReach"/>).</summary>
    public long Accepted { get; init; }

    /// <summary>Accepted batches an engine began executing over the exploration.</summary>
    public long Executed { get; init; }

    /// <summary>The failure (problems, minimal case), or null when every case held.</summary>
    public string? Failure { get; init; }

    /// <summary>CsCheck seed of the smallest failing case found: replays it alone.</summary>
    public string? FailingSeed { get; init; }

    /// <summary>Whether every case held.</summary>
    public bool Passed => Failure is null;

    /// <summary>One line for the console.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{Target}: {Cases} cases in {Seconds:0.0} s, {Accepted} execbufs accepted, {Executed} batches executed, seed {Seed}: {(Passed ? "ok" : $"FAILED (replay the minimal case with CsCheck seed {FailingSeed})")}");
}
