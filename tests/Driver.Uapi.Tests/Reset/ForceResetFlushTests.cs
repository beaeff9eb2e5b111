using Driver.Core.Hw;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// The debugfs reset (i915_wedged write, intel_gt_debugfs_reset_store) first waits for a full reset still in
/// progress to finish, then applies for its own: it never piggy-backs on the one that is ending. gem_eio relies on
/// it: its timer thread's wedge is still finishing when the main thread, woken by the wedge's -EIO fences, re-enables
/// resets and forces one, and the GPU must then be unwedged.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class ForceResetFlushTests
{
    [Fact]
    public void ForcedResetWaitsForTheResetInProgressThenDoesItsOwn()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        Assert.Equal(0, dev.SetResetParam(1)); // full resets only: the forced reset must take BACKOFF itself
        int before = dev.Reset.ResetCount;

        TestThread forcer;
        using (dev.Reset.ResetGlobalLock())
        {
            Assert.True(dev.Reset.IsBackoff);
            forcer = TestThread.Start("forced reset", () => dev.ForceReset(EngineIds.AllMask, "forced while BACKOFF held"));
            // Blocked: waiting for the BACKOFF of the reset "in progress" (the lock held here).
            Poll.Until(() => (forcer.Thread.ThreadState & ThreadState.WaitSleepJoin) != 0, "the forced reset to wait");
        }

        forcer.Join();
        // intel_gt_debugfs_reset_store: wait_event(!BACKOFF), then intel_gt_handle_error of its own: one full reset
        // done by the forcer (a piggy-back on the held lock would have reset nothing).
        Assert.Equal(before + 1, dev.Reset.ResetCount);
        Assert.False(dev.Reset.IsBackoff);
        Assert.False(dev.IsWedged);
    }
}
