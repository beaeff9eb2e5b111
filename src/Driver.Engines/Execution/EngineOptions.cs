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

    /// <summary>How long <see cref="Engine.Park(TimeSpan)"/> waits for the engine to reach a safe point by default.</summary>
    public TimeSpan ParkTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
