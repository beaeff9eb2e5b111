namespace Driver.Sim.Fuzz;

/// <summary>A scenario fuzz case: which shipped scenario it starts from and the mutations applied in order.</summary>
public sealed record ScenarioCase(int Source, IReadOnlyList<ScenarioMutation> Mutations)
{
    /// <inheritdoc/>
    public override string ToString() => $"source {Source}: {string.Join(", ", Mutations)}";
}
