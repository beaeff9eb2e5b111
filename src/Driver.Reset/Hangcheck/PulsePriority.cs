namespace Driver.Reset.Hangcheck;

/// <summary>
/// The heartbeat pulse's priority ladder (heartbeat() in intel_engine_heartbeat.c, values from
/// i915_priolist_types.h): MIN → NORMAL → HEARTBEAT → BARRIER, then reset.
/// </summary>
public static class PulsePriority
{
    /// <summary>I915_PRIORITY_MIN (the lowest user priority − 1): a fresh pulse, behind everything.</summary>
    public const int Min = -1024;

    /// <summary>
    /// I915_PRIORITY_NORMAL: the default user priority. Equal to default user work, so it gets a timeslice: the
    /// running batch yields at its next arbitration point, or the engine arms its preempt timer.
    /// </summary>
    public const int Normal = 0;

    /// <summary>I915_PRIORITY_MAX: one above the highest user priority (1023).</summary>
    public const int Max = 1024;

    /// <summary>I915_PRIORITY_HEARTBEAT (I915_PRIORITY_MAX + 1): above every user priority, it preempts at once.</summary>
    public const int Heartbeat = Max + 1;

    /// <summary>I915_PRIORITY_BARRIER (INT_MAX − 1): the last step before the engine is reset; kill_engines' pulse.</summary>
    public const int Barrier = int.MaxValue - 1;

    /// <summary>The next step up from <paramref name="priority"/>.</summary>
    public static int Raise(int priority) => priority < Normal ? Normal : priority < Heartbeat ? Heartbeat : Barrier;
}
