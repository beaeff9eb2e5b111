using Driver.Core.Fences;

namespace Driver.Core.Hw;

/// <summary>
/// The engine properties a waiter reads at wait time (intel_engine_cs.props): kept in the core layer so that a
/// request, which knows its engine only by id, can reach its engine's knobs without depending on the engine layer.
/// The engine owns one and every request it builds points at it (<see cref="Requests.Request.Props"/>).
/// </summary>
public sealed class EngineProps
{
    private long _maxBusywaitDurationNs = DmaFence.DefaultMaxBusywaitDurationNs;

    /// <summary>
    /// max_busywait_duration_ns (sysfs engine/NAME/max_busywait_duration_ns): how long a wait on one of this engine's
    /// requests spins before it sleeps (i915_request_wait → __i915_spin_request); 0 sleeps at once. Read afresh by
    /// every wait, so a change applies to waits begun after it, as the kernel's does.
    /// </summary>
    public long MaxBusywaitDurationNs
    {
        get => Volatile.Read(ref _maxBusywaitDurationNs);
        set => Volatile.Write(ref _maxBusywaitDurationNs, Math.Max(0, value));
    }
}
