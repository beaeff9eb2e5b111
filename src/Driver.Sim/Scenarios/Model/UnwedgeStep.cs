namespace Driver.Sim.Scenarios.Model;

/// <summary>Tries to bring a wedged device back (a full reset that clears WEDGED).</summary>
public sealed record UnwedgeStep : StepSpec
{
    /// <inheritdoc/>
    public override string? ClientName => null;

    /// <inheritdoc/>
    public override string Kind => "unwedge";
}
