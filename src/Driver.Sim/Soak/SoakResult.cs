namespace Driver.Sim.Soak;

/// <summary>What a soak run found; serialized by <c>gpusim soak --json</c>.</summary>
public sealed record SoakResult
{
    /// <summary>Seed used.</summary>
    public required int Seed { get; init; }

    /// <summary>Submitting threads.</summary>
    public required int Threads { get; init; }

    /// <summary>Wedge strategy ("epoch", "stop-machine").</summary>
    public required string WedgeStrategy { get; init; }

    /// <summary>Seconds of submission and injection.</summary>
    public required double Seconds { get; init; }

    /// <summary>Seconds the final drain took.</summary>
    public required double DrainSeconds { get; init; }

    /// <summary>Batches submitted (with a fence).</summary>
    public required long Batches { get; init; }

    /// <summary>Spinners submitted by the injector.</summary>
    public required long Spinners { get; init; }

    /// <summary>Requests submitted: batches plus spinners.</summary>
    public long Requests => Batches + Spinners;

    /// <summary>Execbufs refused, by errno name.</summary>
    public required IReadOnlyDictionary<string, int> Refused { get; init; }

    /// <summary>Final fence statuses: "ok" or an errno name, with counts.</summary>
    public required IReadOnlyDictionary<string, int> Statuses { get; init; }

    /// <summary>Fences still unsignaled after the drain.</summary>
    public required long Unsignaled { get; init; }

    /// <summary>Stores verified in place.</summary>
    public required long StoresVerified { get; init; }

    /// <summary>Stores of ok / -EAGAIN batches that did not land.</summary>
    public required long StoresMismatched { get; init; }

    /// <summary>Written dwords no submitted batch targets.</summary>
    public required long StoresStray { get; init; }

    /// <summary>Stores not checked (their batch failed with -EIO).</summary>
    public required long StoresSkipped { get; init; }

    /// <summary>Hangs handled (error events).</summary>
    public required int Hangs { get; init; }

    /// <summary>Engine resets.</summary>
    public required int EngineResets { get; init; }

    /// <summary>Full resets.</summary>
    public required int FullResets { get; init; }

    /// <summary>Failed resets.</summary>
    public required int FailedResets { get; init; }

    /// <summary>Times the device was wedged.</summary>
    public required int Wedges { get; init; }

    /// <summary>Contexts banned.</summary>
    public required int ContextsBanned { get; init; }

    /// <summary>Clients banned.</summary>
    public required int ClientsBanned { get; init; }

    /// <summary>Whether the device was still wedged at the end.</summary>
    public required bool WedgedAtEnd { get; init; }

    /// <summary>Injections done, by kind.</summary>
    public required IReadOnlyDictionary<string, int> Injected { get; init; }

    /// <summary>Invariant violations.</summary>
    public required long Violations { get; init; }

    /// <summary>The first violations' messages.</summary>
    public required IReadOnlyList<string> ViolationSamples { get; init; }

    /// <summary>Fences never signalled by the end of the drain (each also a violation).</summary>
    public required long LostFences { get; init; }

    /// <summary>
    /// Deadlocks: the watchdog saw no fence signal and no request complete within its bound while work was
    /// outstanding, or a soak thread did not stop within its bound of the stop request.
    /// </summary>
    public required long Deadlocks { get; init; }

    /// <summary>Reports of the lock validator during the soak (each soak runs with it on; any report fails it).</summary>
    public required long LockdepReports { get; init; }

    /// <summary>
    /// Growth of the managed heap across the steady phase (after forced full collections at its start and end), in
    /// bytes; null when the soak was too short to measure it.
    /// </summary>
    public required long? HeapGrowthBytes { get; init; }

    /// <summary>GTT-mmap dword accesses (revoke policy) checked.</summary>
    public long MmapAccesses { get; init; }

    /// <summary>
    /// GTT-mmap passes whose read-back a wedge or unwedge glitched (they reset the fence registers without the
    /// policy's revoke, as i915's do): expected, so not violations.
    /// </summary>
    public long MmapWedgeGlitchedPasses { get; init; }

    /// <summary>The device's state (engines, clients, reset flags) when a deadlock was found; null otherwise.</summary>
    public string? DeadlockState { get; init; }

    /// <summary>Tests only: the device left alive because a soak thread was stuck in it (disposing it is the caller's call).</summary>
    internal IDisposable? Abandoned { get; init; }

    /// <summary>Whether the soak was stopped early (Ctrl-C): the counts cover only the part it ran.</summary>
    public bool Interrupted { get; init; }

    /// <summary>Whether the invariant held: every fence signalled once, statuses ok/EIO/EAGAIN, every ok or EAGAIN batch's stores landed.</summary>
    public bool Passed => Violations == 0;
}
