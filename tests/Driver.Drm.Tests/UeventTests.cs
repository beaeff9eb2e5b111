using System.Collections.Concurrent;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>The card's uevents as the reset path raises them (intel_gt_reset_global's kobject_uevent_env calls).</summary>
public class UeventTests
{
    private static ConcurrentQueue<DrmUevent> Listen(DrmHarness h, out IDisposable subscription)
    {
        var seen = new ConcurrentQueue<DrmUevent>();
        subscription = h.Driver.SubscribeUevents(seen.Enqueue);
        return seen;
    }

    [Fact]
    public void FullResetOfAnErrorSendsErrorResetAndDoneOnCard0()
    {
        // i915.reset=1 (what igt_fork_hang_detector sets): intel_gt_handle_error cannot reset the engine alone, so
        // intel_gt_reset_global sends ERROR=1 and RESET=1 before the reset and ERROR=0 after it, on the primary
        // minor's kobject (card0, 226:0, subsystem drm).
        using var h = DrmHarness.Fast();
        Assert.Equal(1, h.Driver.WriteVirtualFile("module/reset", "1"u8));
        ConcurrentQueue<DrmUevent> seen = Listen(h, out IDisposable sub);
        using (sub)
        {
            // i915_wedged_set: a mask is intel_gt_handle_error(mask, I915_ERROR_CAPTURE), the hang path's entry.
            Assert.Equal(2, h.Driver.WriteVirtualFile("debugfs/i915_wedged", "1\n"u8));
        }

        DrmUevent[] events = [.. seen];
        Assert.Equal(["ERROR=1", "RESET=1", "ERROR=0"], events.Select(e => e.Environment[^1].Key + "=" + e.Environment[^1].Value));
        foreach (DrmUevent e in events)
        {
            Assert.Equal("change", e.Action);
            Assert.Equal(I915Driver.CardDevPath, e.DevPath);
            Assert.Equal("drm", e.Subsystem);
            Assert.Equal("226", e.Get("MAJOR"));
            Assert.Equal("0", e.Get("MINOR"));
            Assert.Equal("dri/card0", e.Get("DEVNAME"));
            Assert.Equal("drm_minor", e.Get("DEVTYPE"));
        }
        Assert.Equal(1, h.Dev.Reset.ResetCount);
    }

    [Fact]
    public void EngineResetSendsNoUevent()
    {
        // intel_gt_handle_error: an engine reset that succeeds returns before intel_gt_reset_global: no uevent.
        using var h = DrmHarness.Fast();
        ConcurrentQueue<DrmUevent> seen = Listen(h, out IDisposable sub);
        // rcs0 kept awake: the reset of an engine asleep would do nothing (intel_engine_pm_get_if_awake).
        using (sub)
        using (h.Dev.Gt[EngineId.Rcs0].HoldAwake())
        {
            Assert.Equal(2, h.Driver.WriteVirtualFile("debugfs/i915_wedged", "1\n"u8));
        }

        Assert.Empty(seen);
        Assert.Equal(0, h.Dev.Reset.ResetCount);
        Assert.Equal(1, h.Dev.Reset.TotalEngineResets);
    }

    [Fact]
    public void AFullResetThatWedgesSendsNoDoneUevent()
    {
        // intel_gt_reset_global: ERROR=1 always; RESET=1 and ERROR=0 only while the GT is not wedged. With reset=0
        // the "reset" is refused and the GT wedges.
        using var h = DrmHarness.Fast();
        Assert.Equal(1, h.Driver.WriteVirtualFile("module/reset", "0"u8));
        ConcurrentQueue<DrmUevent> seen = Listen(h, out IDisposable sub);
        using (sub)
        {
            h.Driver.WriteVirtualFile("debugfs/i915_wedged", "1\n"u8);
        }

        Assert.True(h.Dev.IsWedged);
        Assert.Equal("1", seen.First().Get("ERROR"));
        Assert.DoesNotContain(seen, e => e.Get("ERROR") == "0");
    }

    [Fact]
    public void UnsubscribedHandlerHearsNothing()
    {
        using var h = DrmHarness.Fast();
        h.Driver.WriteVirtualFile("module/reset", "1"u8);
        ConcurrentQueue<DrmUevent> seen = Listen(h, out IDisposable sub);
        sub.Dispose();
        h.Driver.WriteVirtualFile("debugfs/i915_wedged", "1\n"u8);
        Assert.Empty(seen);
    }
}
