namespace Driver.Sim.Tracing;

/// <summary>What an instant event of a trace marks.</summary>
public enum TraceInstantKind
{
    /// <summary>A hang was detected (or a reset forced): the driver's "GPU HANG".</summary>
    Hang,
    /// <summary>A request's fence signalled with an error.</summary>
    FenceError,
    /// <summary>A request began executing again after a reset interrupted it.</summary>
    Replay,
    /// <summary>A reset failed (and escalated).</summary>
    ResetFailed,
    /// <summary>A context was banned.</summary>
    ContextBanned,
    /// <summary>A client was banned.</summary>
    ClientBanned,
    /// <summary>The device was wedged.</summary>
    Wedged,
    /// <summary>The device was unwedged.</summary>
    Unwedged,
}
