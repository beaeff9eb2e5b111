namespace Driver.Sim.Results;

/// <summary>
/// Store verification: every STORE_DWORD_IMM a batch was given is looked up in memory after the drain.
/// </summary>
public sealed record StoreChecks
{
    /// <summary>Stores found at their address with their value.</summary>
    public int StoresVerified { get; init; }

    /// <summary>Stores whose address holds something else (a lost store, a store in the wrong place, a batch run out of order).</summary>
    public int StoresMismatched { get; init; }

    /// <summary>Stores of batches whose fence ended in a fatal error, or that were refused: not checked.</summary>
    public int StoresSkipped { get; init; }

    /// <summary>Stores of batches still unsignaled after the drain: not checked.</summary>
    public int StoresUnchecked { get; init; }

    /// <summary>Guard dwords (never a store target) found non-zero: a store landed where none was asked for.</summary>
    public int StoresStray { get; init; }

    /// <summary>The first few problems, for diagnosis.</summary>
    public IReadOnlyList<string> Samples { get; init; } = [];
}
