namespace Driver.Reset.Events;

/// <summary>Kinds of device notifications (the kernel's uevents and log events).</summary>
public enum GpuEventKind
{
    /// <summary>A hang was detected / an error was handled (uevent ERROR=1): exactly one per hang.</summary>
    Error,
    /// <summary>An engine was reset.</summary>
    EngineReset,
    /// <summary>The device was reset (uevent RESET=1 once done).</summary>
    FullReset,
    /// <summary>A reset failed.</summary>
    ResetFailed,
    /// <summary>The device was wedged.</summary>
    Wedged,
    /// <summary>The device was unwedged.</summary>
    Unwedged,
    /// <summary>A context was banned.</summary>
    ContextBanned,
    /// <summary>A client was banned.</summary>
    ClientBanned,
}
