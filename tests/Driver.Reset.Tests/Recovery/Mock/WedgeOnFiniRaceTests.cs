using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// WEDGED_ON_FINI is for good (intel_gt_set_wedged_on_fini; __intel_gt_unset_wedged refuses once
/// intel_gt_has_unrecoverable_error): once the unload's wedge returned, no unwedge or full reset already under way may
/// bring the GT back, or whatever an ioctl that raced the unload submits would reach an engine about to be stopped.
/// </summary>
public sealed class WedgeOnFiniRaceTests
{
    [Fact]
    public void AnUnwedgeAlreadyUnderWayDoesNotUndoTheUnloadWedge()
    {
        using var rig = new MockResetRig();
        rig.Reset.SetWedged("test: wedged before the unload");
        using var held = new HoldAtUnwedgeReset();
        rig.Reset.AddObserver(held);

        // The unwedge is past its WEDGED_ON_INIT/FINI check, inside its hardware reset, under the reset mutex.
        var unwedger = TestThread.Start("unwedger", () => rig.Reset.Unwedge());
        held.WaitEntered();

        // The unload wedges the GT for good meanwhile: it returns, or waits for the unwedge to be over.
        var unloader = TestThread.Start("unload", () => rig.Reset.SetWedgedOnFini("test: unload"));
        Poll.Until(() => !unloader.Thread.IsAlive || unloader.IsBlocked, "the unload wedge neither returned nor waited");

        held.Release();
        Exception? unwedgeFailure = Record.Exception(() => unwedger.Join());
        unloader.Join();

        Assert.True(rig.Reset.IsWedged, "the GT was unwedged after intel_gt_set_wedged_on_fini");
        Request late = rig.Nop(EngineId.Rcs0);
        rig.AdvanceAll();
        Assert.Equal(-Errno.EIO, late.Status);
        Assert.Null(unwedgeFailure);
    }

    /// <summary>Holds the unwedge's hardware reset (reset mutex held, WEDGED_ON_FINI already checked) until released.</summary>
    private sealed class HoldAtUnwedgeReset : IResetObserver, IDisposable
    {
        private readonly ManualResetEventSlim _entered = new(false);
        private readonly ManualResetEventSlim _release = new(false);

        public void WaitEntered() => Assert.True(_entered.Wait(Bound.Long), "no unwedge reached its hardware reset");

        public void Release() => _release.Set();

        public void OnResetPrepare()
        {
        }

        public void OnHardwareReset(HardwareResetPath path)
        {
            if (path == HardwareResetPath.Unwedge)
            {
                _entered.Set();
                Assert.True(_release.Wait(Bound.Long), "the test never released the unwedge");
            }
        }

        public void OnResetRestore()
        {
        }

        public void OnResetFinish()
        {
        }

        public void Dispose() => _release.Set();
    }
}
