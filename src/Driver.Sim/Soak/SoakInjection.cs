namespace Driver.Sim.Soak;

/// <summary>What the soak's injector does to the device.</summary>
public enum SoakInjection
{
    /// <summary>A spinner with no arbitration point: the heartbeat's preempt timeout resets its engine.</summary>
    NonPreemptibleSpinner,
    /// <summary>A spinner with an invalid instruction: the engine faults and is reset at once.</summary>
    InvalidCsSpinner,
    /// <summary>A forced reset of random engines (debugfs i915_wedged with a mask).</summary>
    EngineReset,
    /// <summary>
    /// A forced engine reset made to fail, so recovery escalates to a full reset with that engine stalled: the other
    /// engines' running requests are innocent victims (-EAGAIN) and replay.
    /// </summary>
    FailedEngineReset,
    /// <summary>A forced full device reset.</summary>
    FullReset,
    /// <summary>The device wedged, then unwedged a little later.</summary>
    WedgeUnwedge,
}
