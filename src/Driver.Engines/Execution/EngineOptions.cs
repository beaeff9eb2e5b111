namespace Driver.Engines.Execution;

/// <summary>Per-engine behaviour switches.</summary>
public sealed record EngineOptions
{
    /// <summary>Busy-poll instead of sleeping when idle: lowest submit→signal latency, one core burnt per engine.</summary>
    public bool BusyPoll { get; init; }

    /// <summary>
    /// timeslice_duration_ms at start (i915's CONFIG_DRM_I915_TIMESLICE_DURATION, 1 ms); zero disables timeslicing.
    /// Changed at run time through <see cref="Engine.TimesliceDuration"/>.
    /// </summary>
    public TimeSpan TimesliceDuration { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// max_busywait_duration_ns at start (i915's CONFIG_DRM_I915_MAX_REQUEST_BUSYWAIT, 8000 ns): how long a wait on
    /// one of the engine's requests spins before sleeping; 0 sleeps at once. Changed at run time through
    /// <see cref="Engine.Props"/>.
    /// </summary>
    public long MaxBusywaitDurationNs { get; init; } = Driver.Core.Fences.DmaFence.DefaultMaxBusywaitDurationNs;

    /// <summary>
    /// How long an engine that ran out of work keeps looking at its queue before it sleeps on its doorbell, in ns; 0
    /// sleeps at once. Real hardware never sleeps, so this is the model's own price: a submission arriving within it
    /// costs the submitter no wake-up of the engine thread (the futex wake was most of the nop path's time, see
    /// docs/benchmarks.md), while an engine idle for longer still gives its CPU back. The spin yields (SpinWait), so on
    /// a machine with fewer cores than threads it does not keep the submitter it waits for off the CPU.
    /// </summary>
    public long IdleSpinNs { get; init; } = DefaultIdleSpinNs;

    /// <summary>Default <see cref="IdleSpinNs"/>: 20 µs, a few submissions' worth at the nop path's rate.</summary>
    public const long DefaultIdleSpinNs = 20_000;

    /// <summary>
    /// Whether a submission that rings a sleeping engine's doorbell first narrows the engine thread's affinity to the
    /// submitter's CPU (the thread widens it back as soon as it runs): i915's submission tasklet runs on the CPU that
    /// raised it, and on a VM a wake-up sent to a halted vCPU costs several times one queued on the waker's (see
    /// <see cref="Driver.Core.Sync.WakeAffinity"/>); and whether the engine, completing the last request of a burst
    /// on an idle GT, wakes a waiter asleep on it onto its own CPU the same way (<see
    /// cref="Driver.Core.Fences.DmaFence.SteerWaiterWakeups"/>). Linux only; a no-op elsewhere.
    /// </summary>
    public bool WakeOnSubmitterCpu { get; init; } = true;

    /// <summary>How long <see cref="Engine.Park(TimeSpan)"/> waits for the engine to reach a safe point by default.</summary>
    public TimeSpan ParkTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
