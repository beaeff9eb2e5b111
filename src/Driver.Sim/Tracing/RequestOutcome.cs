namespace Driver.Sim.Tracing;

/// <summary>A request's final state, as a timeline colours it.</summary>
public enum RequestOutcome
{
    /// <summary>Signalled without error, never replayed.</summary>
    Ok,
    /// <summary>Signalled without error after a reset sent it back to be replayed.</summary>
    OkReplayed,
    /// <summary>Signalled with -EAGAIN: an innocent victim of a full reset, replayed.</summary>
    Again,
    /// <summary>Signalled with -EIO: guilty of a hang, cancelled by a wedge, banned, or inheriting a fatal error.</summary>
    Io,
    /// <summary>Signalled with another error.</summary>
    OtherError,
    /// <summary>Not signalled when the trace ended.</summary>
    Unsignaled,
}
