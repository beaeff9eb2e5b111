using Driver.Core.Hw;
using Driver.Reset.Capture;
using Driver.Reset.Recovery;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>
    /// Forces recovery on the engines in <paramref name="engineMask"/>, like writing the mask to debugfs
    /// i915_wedged (intel_gt_debugfs_reset_store): a full reset still finishing is waited for first, then per-engine
    /// resets, a full reset for what is left (which also unwedges a wedged device). Synchronous.
    /// </summary>
    public void ForceReset(uint engineMask = EngineIds.AllMask, string reason = "manual reset")
    {
        Reset.FlushPreviousReset();
        Reset.HandleError(engineMask, ErrorFlags.Capture, reason);
    }

    /// <summary>Forces a full device reset of every engine (i915_reset), whatever engine reset support says.</summary>
    public void ForceFullReset(string reason = "manual full reset") => Reset.ResetFullExclusive(EngineIds.AllMask, reason);

    /// <summary>Declares the device wedged (debugfs i915_wedged with reset disabled).</summary>
    public void Wedge(string reason = "manually wedged") => Reset.SetWedged(reason);

    /// <summary>Tries to bring a wedged device back; false if it stays wedged.</summary>
    public bool Unwedge() => Reset.Unwedge();

    /// <summary>
    /// The held error state, or null: the first captured since the error file was last written to
    /// (i915_first_error_state). <see cref="ReadErrorFile"/> is its text.
    /// </summary>
    public GpuErrorState? ReadErrorState() => Reset.ErrorStates.First;

    /// <summary>Drops the held error state, as a write to the sysfs error file does (<see cref="WriteErrorFile"/>).</summary>
    public void ClearErrorState() => Reset.ErrorStates.Clear();
}
