using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// intel_wedge_on_timeout around intel_gt_reset_global: a hardware reset that never completes is ended by the
/// watchdog (the device wedges, every fence ends); a watchdog firing after its guarded section ended changes nothing
/// (cancel_delayed_work_sync semantics).
/// </summary>
public sealed class MockWatchdogTests
{
    [Fact]
    public void AHungFullResetIsEndedByTheWatchdogAndWedges()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Rcs0);
        rig.Reset.Faults.HangFullResets(1);

        var resetter = TestThread.Start("resetter", () => rig.Reset.ResetFullExclusive(EngineId.Rcs0.Mask(), "test: reset hangs"));
        // The reset is stuck in the hardware; only the watchdog gets it out.
        Poll.Until(() => rig.Clock.TimersCreated == 1, "the watchdog to be armed");
        Assert.False(resetter.TryJoin(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(1, rig.Clock.FireAll());

        resetter.Join();
        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(-Errno.EIO, hung.Status);
        rig.AssertEveryFenceSignalled();
    }

    [Fact]
    public void AWatchdogFiringAfterItsResetEndedDoesNotFailTheNextReset()
    {
        using var rig = new MockResetRig();
        rig.Reset.ResetFullExclusive(0, "test: first reset");
        Assert.Equal(1, rig.Clock.TimersCreated);

        // The first watchdog's callback arrives late, after its section ended (a timer callback already dispatched
        // when the reset disarmed it).
        Assert.Equal(1, rig.Clock.FireAll(includeDisposed: true));
        Request hung = rig.Hang(EngineId.Vcs0);
        rig.Reset.ResetFullExclusive(EngineId.Vcs0.Mask(), "test: second reset");

        Assert.False(rig.Reset.IsWedged, "a stale watchdog failed a later reset");
        Assert.Equal(2, rig.Reset.ResetCount);
        Assert.Equal(0, rig.Reset.FailedResets);
        Assert.Equal(-Errno.EIO, hung.Error);
        rig.AssertNotWedged();
    }
}
