namespace Driver.Igt;

/// <summary>
/// What a subtest provokes on purpose, like igt_allow_hang(): the driver's warnings about it are expected and do not
/// turn a pass into dmesg-warn. Anything else the driver logs at warning level or above still does.
/// </summary>
[Flags]
public enum IgtExpectations
{
    /// <summary>Nothing: every driver warning counts.</summary>
    None = 0,
    /// <summary>GPU hangs and the resets that recover them.</summary>
    Hang = 1,
    /// <summary>The device is wedged on purpose (resets disabled or a manual wedge).</summary>
    Wedge = 2,
    /// <summary>Resets are made to fail on purpose (fault injection).</summary>
    ResetFailure = 4,
}
