using Driver.Core.Hw;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// The reset entry points check who may call them, as i915's GEM_BUG_ONs do: intel_gt_reset requires
/// I915_RESET_BACKOFF (its callers, intel_gt_reset_global and the selftests' igt_global_reset_lock, set it first) and
/// __intel_engine_reset_bh requires the engine's I915_RESET_ENGINE bit.
/// </summary>
public class ResetPreconditionTests
{
    [Fact]
    public void AFullResetWithoutBackoffIsABug()
    {
        using var rig = new ResetRig();
        DebugAssertException e = Assert.Throws<DebugAssertException>(() => rig.Reset.ResetFull(EngineIds.AllMask, "test"));
        Assert.Contains("BACKOFF", e.Message);
        Assert.Equal(0, rig.Reset.ResetCount);
    }

    [Fact]
    public void AFullResetUnderTheGlobalResetLockRuns()
    {
        using var rig = new ResetRig();
        using (rig.Reset.ResetGlobalLock())
        {
            Assert.True(rig.Reset.IsBackoff);
            rig.Reset.ResetFull(EngineIds.AllMask, "test");
        }

        Assert.False(rig.Reset.IsBackoff);
        Assert.Equal(1, rig.Reset.ResetCount);
        Assert.False(rig.Reset.IsWedged);
    }

    [Fact]
    public void AnEngineResetWithoutItsBitIsABug()
    {
        using var rig = new ResetRig();
        DebugAssertException e = Assert.Throws<DebugAssertException>(() => rig.Reset.ResetEngine(rig[EngineId.Bcs0], "test"));
        Assert.Contains("RESET_ENGINE", e.Message);
        Assert.Equal(0, rig.Reset.TotalEngineResets);
    }

    [Fact]
    public void AnEngineResetHoldingItsBitRuns()
    {
        using var rig = new ResetRig();
        // Awake, as a selftest's intel_engine_pm_get keeps it: an engine asleep is not reset at all.
        using (rig[EngineId.Bcs0].HoldAwake())
        using (rig.Reset.EngineResetLock(EngineId.Bcs0))
        {
            Assert.True(rig.Reset.ResetEngine(rig[EngineId.Bcs0], "test"));
        }

        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Copy));
    }
}
