namespace Driver.Sim.Scenarios.Model;

/// <summary>
/// A stream of batches from one context: each stores unique values at unique addresses (verified at the end), spread
/// over the chosen engines, optionally chained across engines.
/// </summary>
public sealed record BatchesStep : StepSpec
{
    /// <summary>Client name.</summary>
    public required string Client { get; init; }

    /// <summary>Context name ("default" unless given).</summary>
    public string Context { get; init; } = "default";

    /// <summary>Number of batches.</summary>
    public required int Count { get; init; }

    /// <summary>Engines the batches go to: "all" or a list of names.</summary>
    public EngineSelection Engines { get; init; } = EngineSelection.All;

    /// <summary>How batches are spread over <see cref="Engines"/>.</summary>
    public Distribution Distribution { get; init; } = Distribution.RoundRobin;

    /// <summary>STORE_DWORD_IMMs per batch.</summary>
    public int StoresPerBatch { get; init; } = 4;

    /// <summary>Dependency of batch i on batch i-1.</summary>
    public Dependency DependsOnPrevious { get; init; } = Dependency.None;

    /// <summary>Simulated work per batch (a WORK instruction) in nanoseconds; 0 for none.</summary>
    public int WorkNs { get; init; }

    /// <summary>Most batches of this step in flight at once (the submitter waits for the oldest); 0 = unbounded.</summary>
    public int MaxInFlight { get; init; }

    /// <inheritdoc/>
    public override string? ClientName => Client;

    /// <inheritdoc/>
    public override string Kind => "batches";
}
