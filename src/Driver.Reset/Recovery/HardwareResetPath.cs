namespace Driver.Reset.Recovery;

/// <summary>
/// Which recovery step reset the hardware (__intel_gt_reset(gt, ALL_ENGINES)), clearing the fence registers: a full
/// reset restores them before it resumes; wedging and unwedging do not (they neither revoke mmaps nor restore).
/// </summary>
public enum HardwareResetPath
{
    /// <summary>intel_gt_reset's do_reset: the registers are restored (intel_ggtt_restore_fences) before resuming.</summary>
    FullReset,

    /// <summary>__intel_gt_set_wedged: stops the engines with a reset even though recovery is hopeless.</summary>
    Wedge,

    /// <summary>__intel_gt_unset_wedged: a reset must succeed before submission is restored.</summary>
    Unwedge,
}
