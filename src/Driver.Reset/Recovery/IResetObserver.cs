namespace Driver.Reset.Recovery;

/// <summary>
/// A user of global resources a hardware reset clobbers (the fence registers under GTT mmaps). A full reset calls
/// every step, in order, with every engine stopped and BACKOFF set; wedging calls only
/// <see cref="OnHardwareReset"/> (the kernel's wedge revokes nothing and restores nothing).
/// </summary>
public interface IResetObserver
{
    /// <summary>
    /// Before the hardware reset: revoke what must not be used across it (user mmaps). Called under BACKOFF, with
    /// every ResetLock() holder flushed, outside the reset's fence-signalling section and the reset mutex.
    /// </summary>
    void OnResetPrepare();

    /// <summary>
    /// Right after a hardware reset cleared the fence registers (a glitch window opens), on <paramref name="path"/>:
    /// a full reset's is closed by <see cref="OnResetRestore"/>; a wedge's and an unwedge's are not (the unwedge of a
    /// full reset is followed by that reset's own restore).
    /// </summary>
    void OnHardwareReset(HardwareResetPath path);

    /// <summary>After the GGTT is re-enabled: restore registers from the software copy (the window closes).</summary>
    void OnResetRestore();

    /// <summary>After engines resumed.</summary>
    void OnResetFinish();
}
