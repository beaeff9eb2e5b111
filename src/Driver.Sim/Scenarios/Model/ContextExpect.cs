namespace Driver.Sim.Scenarios.Model;

/// <summary>Expected hang accounting of one context.</summary>
public sealed record ContextExpect
{
    /// <summary>Client name.</summary>
    public required string Client { get; init; }

    /// <summary>Context name.</summary>
    public required string Context { get; init; }

    /// <summary>Whether it is banned at the end.</summary>
    public bool? Banned { get; init; }

    /// <summary>Hangs it was guilty of.</summary>
    public CountRange? Guilty { get; init; }

    /// <summary>Resets it was an innocent victim of.</summary>
    public CountRange? Innocent { get; init; }
}
