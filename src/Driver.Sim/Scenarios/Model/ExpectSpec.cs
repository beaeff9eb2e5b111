namespace Driver.Sim.Scenarios.Model;

/// <summary>
/// Expectations checked after the run; every field is optional and mirrors the results JSON (docs/scenarios.md).
/// </summary>
public sealed record ExpectSpec
{
    /// <summary>Fence outcomes over the whole run.</summary>
    public FenceExpect? Fences { get; init; }

    /// <summary>Per-engine counters, keyed by engine name ("rcs0").</summary>
    public IReadOnlyDictionary<string, EngineExpect>? Engines { get; init; }

    /// <summary>Reset counters.</summary>
    public ResetsExpect? Resets { get; init; }

    /// <summary>Whether the device is wedged at the end.</summary>
    public bool? Wedged { get; init; }

    /// <summary>Times the device was wedged.</summary>
    public CountRange? WedgeEvents { get; init; }

    /// <summary>Error states captured.</summary>
    public CountRange? ErrorStates { get; init; }

    /// <summary>Store verification.</summary>
    public ChecksExpect? Checks { get; init; }

    /// <summary>Per-context hang accounting.</summary>
    public IReadOnlyList<ContextExpect>? Contexts { get; init; }

    /// <summary>Reports of the deadlock watchdog (<c>deadlockWatchdogMs</c>).</summary>
    public CountRange? Deadlocks { get; init; }

    /// <summary>Text every deadlock report must contain (who waits for whom: functions, devices, the errno).</summary>
    public IReadOnlyList<string>? DeadlockReport { get; init; }

    /// <summary>Fence outcomes of named steps, keyed by step name.</summary>
    public IReadOnlyDictionary<string, FenceExpect>? Workloads { get; init; }
}
