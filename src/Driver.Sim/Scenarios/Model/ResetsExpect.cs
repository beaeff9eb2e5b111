namespace Driver.Sim.Scenarios.Model;

/// <summary>Expected reset counters.</summary>
public sealed record ResetsExpect
{
    /// <summary>Engine resets, all engines together.</summary>
    public CountRange? Engine { get; init; }

    /// <summary>Full device resets (attempts, including failed ones).</summary>
    public CountRange? Full { get; init; }

    /// <summary>Failed resets.</summary>
    public CountRange? Failed { get; init; }
}
