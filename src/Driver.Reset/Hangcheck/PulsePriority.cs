namespace Driver.Reset.Hangcheck;

/// <summary>The heartbeat pulse's priority ladder (i915: MIN → NORMAL → HEARTBEAT → BARRIER, then reset).</summary>
public static class PulsePriority
{
    /// <summary>A fresh pulse: behind everything.</summary>
    public const int Min = -1024;
    /// <summary>Same as default user work: queued in order, preempts nothing.</summary>
    public const int Normal = 0;
    /// <summary>Above every user priority: preempts at the next arbitration point; arms the preempt timeout.</summary>
    public const int Heartbeat = 1024;
    /// <summary>Last step before the engine is reset.</summary>
    public const int Barrier = int.MaxValue;

    /// <summary>The next step up from <paramref name="priority"/>.</summary>
    public static int Raise(int priority) => priority < Normal ? Normal : priority < Heartbeat ? Heartbeat : Barrier;
}
