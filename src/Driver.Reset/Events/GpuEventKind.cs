namespace Driver.Reset.Events;

/// <summary>Kinds of device notifications (the kernel's uevents and log events).</summary>
public enum GpuEventKind
{
    /// <summary>
    /// A hang was reported to recovery (intel_gt_handle_error's "GPU HANG" line): exactly one per hang. Not a uevent:
    /// only a full reset announces itself (<see cref="Uevent"/>).
    /// </summary>
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

    /// <summary>
    /// A uevent on the device's kobject, its property in the message: intel_gt_reset_global sends "ERROR=1" and
    /// "RESET=1" before a full reset and "ERROR=0" after it unless the GT ended wedged. Engine resets send none.
    /// </summary>
    Uevent,
}
