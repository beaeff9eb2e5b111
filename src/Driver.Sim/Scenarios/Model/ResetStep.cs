namespace Driver.Sim.Scenarios.Model;

/// <summary>
/// Forces recovery: per-engine resets of <see cref="Engines"/> (escalating when they fail), or a full reset. Like a
/// detected hang, a started batch on a reset engine is guilty.
/// </summary>
public sealed record ResetStep : StepSpec
{
    /// <summary>Engines to reset.</summary>
    public EngineSelection Engines { get; init; } = EngineSelection.All;

    /// <summary>Full device reset instead of per-engine resets.</summary>
    public bool Full { get; init; }

    /// <inheritdoc/>
    public override string? ClientName => null;

    /// <inheritdoc/>
    public override string Kind => "reset";
}
