namespace Driver.Reset.Recovery;

/// <summary>
/// A user of global resources a full reset clobbers (GGTT mmaps, fence registers). Called by the reset path, in
/// order, with every engine stopped and BACKOFF set.
/// </summary>
public interface IResetObserver
{
    /// <summary>Before the hardware reset: revoke what must not be used across it (user mmaps).</summary>
    void OnResetPrepare();

    /// <summary>Right after the hardware reset clobbered the registers (the glitch window opens).</summary>
    void OnHardwareReset();

    /// <summary>After the GGTT is re-enabled: restore registers from the software copy (the window closes).</summary>
    void OnResetRestore();

    /// <summary>After engines resumed.</summary>
    void OnResetFinish();
}
