namespace Driver.Sim.Scenarios.Model;

/// <summary>Expected store verification counts (mismatches always fail the run anyway).</summary>
public sealed record ChecksExpect
{
    /// <summary>Stores found at their address with their value.</summary>
    public CountRange? StoresVerified { get; init; }

    /// <summary>Stores whose address held something else.</summary>
    public CountRange? StoresMismatched { get; init; }

    /// <summary>Stores of batches whose fence ended in a fatal error (not checked).</summary>
    public CountRange? StoresSkipped { get; init; }
}
