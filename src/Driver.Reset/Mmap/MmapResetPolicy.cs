namespace Driver.Reset.Mmap;

/// <summary>
/// What a full device reset does about GTT mmaps, whose fence (detiling) registers the hardware reset clears
/// (configuration name <c>mmapResetPolicy</c>: <c>"glitch"</c>, <c>"stop-machine"</c>, <c>"revoke"</c>; see
/// <see cref="MmapResetPolicyNames"/>).
/// </summary>
public enum MmapResetPolicy
{
    /// <summary>
    /// Do nothing: an access between the hardware reset and the restore of the registers goes through the aperture
    /// undetiled (reads the wrong data, writes land at the wrong place). Counted, not prevented.
    /// </summary>
    Glitch,

    /// <summary>
    /// stop_machine(): every mmap user thread is held at a safe point (outside an access) for the whole reset.
    /// </summary>
    StopMachine,

    /// <summary>
    /// The kernel's design: zap the CPU PTEs of every GTT mmap before the hardware reset, and make the fault path
    /// take the reset lock, so an access blocks until the registers are restored.
    /// </summary>
    Revoke,
}
