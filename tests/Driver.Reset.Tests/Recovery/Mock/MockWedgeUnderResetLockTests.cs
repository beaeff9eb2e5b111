using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// intel_gt_set_wedged takes only gt->reset.mutex: a caller that owns the reset bits may wedge. The selftests do:
/// igt_wedged_reset (selftest_reset.c) wedges under igt_global_reset_lock and then resets, and __igt_reset_engines
/// (selftest_hangcheck.c) wedges on a failure while it holds its engine's I915_RESET_ENGINE bit. Neither may hang.
/// </summary>
public sealed class MockWedgeUnderResetLockTests
{
    [Fact]
    public void WedgingUnderTheGlobalResetLockThenResettingRecovers()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Rcs0);

        // igt_wedged_reset: igt_global_reset_lock; intel_gt_set_wedged; intel_gt_reset(ALL_ENGINES); unlock.
        var selftest = TestThread.Start("igt_wedged_reset", () =>
        {
            using (rig.Reset.ResetGlobalLock())
            {
                rig.Reset.SetWedged("test: igt_wedged_reset");
                Assert.True(rig.Reset.IsWedged);
                rig.Reset.ResetFull(EngineIds.AllMask, "test: igt_wedged_reset");
            }
        });

        Assert.True(selftest.TryJoin(Bound.Long), "intel_gt_set_wedged under igt_global_reset_lock never returned");
        selftest.Join();
        Assert.Equal(-Errno.EIO, hung.Status);
        rig.AssertNotWedged();
    }

    [Fact]
    public void WedgingWhileHoldingAnEngineResetBitReturns()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Bcs0);

        // __igt_reset_engines' failure path: intel_gt_set_wedged with I915_RESET_ENGINE + id held.
        var selftest = TestThread.Start("__igt_reset_engines", () =>
        {
            using (rig.Reset.EngineResetLock(EngineId.Bcs0))
            {
                rig.Reset.SetWedged("test: request did not complete after its engine reset");
            }
        });

        Assert.True(selftest.TryJoin(Bound.Long), "intel_gt_set_wedged with an engine's reset bit held never returned");
        selftest.Join();
        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(-Errno.EIO, hung.Status);
    }
}
