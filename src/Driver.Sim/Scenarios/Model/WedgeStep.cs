namespace Driver.Sim.Scenarios.Model;

/// <summary>Wedges the device (debugfs i915_wedged with reset disabled).</summary>
public sealed record WedgeStep : StepSpec
{
    /// <inheritdoc/>
    public override string? ClientName => null;

    /// <inheritdoc/>
    public override string Kind => "wedge";
}
