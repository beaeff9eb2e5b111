using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Events;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// __intel_engine_reset_bh begins with <c>if (!intel_engine_pm_get_if_awake(engine)) return 0;</c>: an engine that is
/// asleep (nothing submitted to it since it parked) is neither reset nor counted (i915_increase_reset_engine_count,
/// which debugfs i915_engine_info and the error state's "engine reset count" report), and the error counts as handled.
/// </summary>
public sealed class MockIdleEngineResetTests
{
    [Fact]
    public void AForcedResetOfAnEngineThatNeverRanIsNotCounted()
    {
        using var rig = new MockResetRig();
        // Work elsewhere, so the GT itself is awake; vcs0 never had any.
        Request busy = rig.Hang(EngineId.Rcs0);

        // debugfs i915_wedged with vcs0's mask: intel_gt_handle_error → __intel_engine_reset_bh(vcs0).
        rig.Reset.HandleError(EngineId.Vcs0.Mask(), ErrorFlags.None, "test: forced reset of an idle engine");

        Assert.Equal(0, rig.Reset.ResetCount);
        Assert.Equal(0, rig[EngineId.Vcs0].Rewinds);
        Assert.Equal(0, rig.Reset.Events.Count(GpuEventKind.EngineReset));
        Assert.Equal(0, rig.Reset.EngineResetCount(EngineClass.Video));
        Assert.False(busy.IsSignaled);
    }
}
