namespace Driver.Sim.Scenarios.Model;

/// <summary>
/// GEM_SET_DOMAIN on a shared buffer (<c>sharedBuffers</c>) by the device or its peer: waits until the buffer is
/// idle for a CPU write (or read), as that device's reset-locking rule waits — i915's holding the buffer's
/// reservation lock, amdgpu's without. Runs on a thread of its own, so the phase's other steps (a reset) go on while
/// it waits. Succeeds (workload "succeeded") or is refused with the errno (workload "rejected": EDEADLK when the
/// deadlock watchdog broke it, ETIME when it ran out of time).
/// </summary>
public sealed record SetDomainStep : StepSpec
{
    /// <summary>"device" or "peer": whose driver waits.</summary>
    public string Device { get; init; } = "peer";

    /// <summary>The shared buffer.</summary>
    public required string Buffer { get; init; }

    /// <summary>Wait for a CPU write (every fence) rather than a read (the writers').</summary>
    public bool Write { get; init; } = true;

    /// <summary>Bound of the wait, in ms.</summary>
    public int TimeoutMs { get; init; } = 10_000;

    /// <inheritdoc/>
    public override string? ClientName => null;

    /// <inheritdoc/>
    public override string Kind => "setDomain";
}
