namespace Driver.Sim.Glitch;

/// <summary>
/// Misrouted accesses (glitched reads plus misplaced writes) by the hardware reset whose window they fell in: only a
/// full reset's window is the mmap policy's to close; a wedge's and an unwedge's are i915's own, under every policy.
/// </summary>
/// <param name="FullReset">In windows opened by full resets (intel_gt_reset).</param>
/// <param name="Wedge">In windows opened by wedging (__intel_gt_set_wedged), open until the unwedge.</param>
/// <param name="Unwedge">In windows opened by unwedging (__intel_gt_unset_wedged) before the registers came back.</param>
public sealed record GlitchPaths(long FullReset, long Wedge, long Unwedge);
