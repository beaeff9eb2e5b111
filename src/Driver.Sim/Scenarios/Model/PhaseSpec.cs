namespace Driver.Sim.Scenarios.Model;

/// <summary>
/// One phase: its steps run concurrently (the steps of one client in order on that client's thread, device actions in
/// order on a control thread); the next phase starts when every thread has finished submitting.
/// </summary>
public sealed record PhaseSpec
{
    /// <summary>Name for logs.</summary>
    public string? Name { get; init; }

    /// <summary>Wait (bounded by the drain timeout) for every fence of this phase before the next one starts.</summary>
    public bool WaitIdle { get; init; }

    /// <summary>The steps.</summary>
    public required IReadOnlyList<StepSpec> Steps { get; init; }
}
