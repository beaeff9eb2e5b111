namespace Driver.Sim.Scenarios.Model;

/// <summary>A context and the parameters set on it; a parameter left out keeps the driver's default.</summary>
public sealed record ContextSpec
{
    /// <summary>Name, unique within the client; "default" configures the default context.</summary>
    public required string Name { get; init; }

    /// <summary>Whether hangs may ban it (false needs a privileged client).</summary>
    public bool? Bannable { get; init; }

    /// <summary>Whether it survives a reset it was hit by (false: banned on its first hang).</summary>
    public bool? Recoverable { get; init; }

    /// <summary>Whether its work outlives it (false needs engine reset).</summary>
    public bool? Persistent { get; init; }

    /// <summary>Scheduling priority, -1023..1023 (above 0 needs a privileged client).</summary>
    public int? Priority { get; init; }
}
