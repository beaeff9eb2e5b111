namespace Driver.Sim.Scenarios.Model;

/// <summary>Expected counters of one engine.</summary>
public sealed record EngineExpect
{
    /// <summary>Requests the scenario submitted to it.</summary>
    public CountRange? Requests { get; init; }

    /// <summary>Times it was reset.</summary>
    public CountRange? Resets { get; init; }
}
