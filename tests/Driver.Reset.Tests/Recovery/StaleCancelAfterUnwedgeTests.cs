using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// A wedge leaves an engine that did not stop with a pending cancel (<c>ResetCancelWhenStopped</c>). If that engine is
/// next parked before its thread looks at the flag (its safe point answers a park request first), the parker's
/// ResetCancel does the cancel's work, and must also take over the flag: left set, the engine would run the stale
/// cancel once resumed and fail fresh work with -EIO.
/// intel_gt_unset_wedged: after a successful unwedge, new requests execute normally.
/// </summary>
public class StaleCancelAfterUnwedgeTests
{
    [Fact]
    public void ARequestSubmittedAfterASuccessfulUnwedgeIsNotCancelledByTheWedgesLeftoverCancel()
    {
        using var rig = new ResetRig();
        ResetRig.Spinner stuck = rig.Spin(EngineId.Rcs0);
        ManualResetEventSlim hold = rig.Hold(EngineId.Rcs0);

        rig.Reset.SetWedged("test: rcs0 ignores park");
        Assert.True(rig[EngineId.Rcs0].IsCancelPending);

        // A park request is waiting when the engine is let go: its safe point parks before it looks at the cancel.
        rig[EngineId.Rcs0].RequestPark();
        rig.Release(EngineId.Rcs0, hold);
        Assert.True(rig[EngineId.Rcs0].WaitParked(Bound.Long), "rcs0 never parked once released");

        // The unwedge parks every engine (rcs0 already is), cancels what each holds and restores submission.
        Assert.True(rig.Reset.Unwedge());
        Assert.True(stuck.Request.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, stuck.Request.Status);

        // Fresh work, queued while rcs0 is still parked by us, then rcs0 resumes.
        Request fresh = rig.Nop(EngineId.Rcs0);
        rig[EngineId.Rcs0].Unpark();

        Assert.True(fresh.Wait(Bound.Long), "the request after the unwedge never signalled");
        Assert.Equal(1, fresh.Status);
    }
}
