using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Gt;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// __intel_gt_set_wedged cannot fail: whatever the engines do, the nop handler goes in on every engine, the grace
/// period passes, WEDGED is set, and every request ends with -EIO — an engine that will not stop cancels its own
/// requests when it finally does (engine->reset.cancel at its next safe point).
/// </summary>
public class WedgeCannotFailTests
{
    public static TheoryData<WedgeStrategy> Strategies => new() { WedgeStrategy.Epoch, WedgeStrategy.StopMachine };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void AnEngineThatWillNotParkIsStillWedgedAndCancelsWhenItStops(WedgeStrategy strategy)
    {
        using var rig = new ResetRig(strategy);
        ResetRig.Spinner stuck = rig.Spin(EngineId.Rcs0);
        Request behindStuck = rig.Nop(EngineId.Rcs0);
        ResetRig.Spinner other = rig.Spin(EngineId.Bcs0);
        Request behindOther = rig.Nop(EngineId.Bcs0);
        ManualResetEventSlim hold = rig.Hold(EngineId.Rcs0);

        rig.Reset.SetWedged("test: rcs0 ignores park");

        // The wedge completed although rcs0 never parked: the device is wedged and submits nothing to the hardware.
        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(1, rig.Reset.WedgeCount);
        Request late = rig.Nop(EngineId.Rcs0);
        Assert.Equal(-Errno.EIO, late.Status);
        // The engine that stopped had everything cancelled at once.
        Assert.Equal(-Errno.EIO, other.Request.Status);
        Assert.Equal(-Errno.EIO, behindOther.Status);
        // The one that did not still owes its cancel, and has signalled nothing yet.
        Assert.True(rig[EngineId.Rcs0].IsCancelPending);
        Assert.Equal(0, stuck.Request.Status);
        Assert.Equal(0, behindStuck.Status);

        rig.Release(EngineId.Rcs0, hold);

        Assert.True(stuck.Request.Wait(Bound.Long), "the stuck engine never cancelled its batch");
        Assert.True(behindStuck.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, stuck.Request.Status);
        Assert.Equal(-Errno.EIO, behindStuck.Status);
        Assert.False(rig[EngineId.Rcs0].IsCancelPending);
        Poll.Until(() => !rig[EngineId.Rcs0].IsBusy, "rcs0 still counts work it cancelled");
    }

    [Fact]
    public void AFailedFullResetWithAnEngineThatWillNotParkWedgesAndEveryFenceSignals()
    {
        using var rig = new ResetRig();
        ResetRig.Spinner stuck = rig.Spin(EngineId.Rcs0);
        ResetRig.Spinner other = rig.Spin(EngineId.Vcs0);
        ManualResetEventSlim hold = rig.Hold(EngineId.Rcs0);

        // intel_gt_reset: prepare fails for rcs0 ("engines did not stop"), so the reset falls back to wedging with
        // only the engines that did stop parked.
        using (rig.Reset.ResetGlobalLock())
        {
            rig.Reset.ResetFull(EngineIds.AllMask, "test: full reset with rcs0 stuck");
        }

        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(1, rig.Reset.FailedResets);
        Assert.Equal(-Errno.EIO, other.Request.Status);
        Assert.Equal(0, stuck.Request.Status);

        rig.Release(EngineId.Rcs0, hold);
        Assert.True(stuck.Request.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, stuck.Request.Status);
    }

    [Fact]
    public void AnInjectedFullResetFailureWedgesWithEveryEngineParked()
    {
        using var rig = new ResetRig();
        ResetRig.Spinner spinner = rig.Spin(EngineId.Ccs0);
        Request queued = rig.Nop(EngineId.Ccs0);
        rig.Reset.Faults.FailFullResets(GtReset.FullResetRetries + 1);

        using (rig.Reset.ResetGlobalLock())
        {
            rig.Reset.ResetFull(EngineIds.AllMask, "test: hardware reset fails");
        }

        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(-Errno.EIO, spinner.Request.Status);
        Assert.Equal(-Errno.EIO, queued.Status);
        Assert.False(rig[EngineId.Ccs0].IsCancelPending);
    }

    [Fact]
    public void AWedgeRacingAnEngineResetEndsEveryFenceOnce()
    {
        for (int round = 0; round < 10; round++)
        {
            using var rig = new ResetRig();
            ResetRig.Spinner hung = rig.Spin(EngineId.Rcs0);
            Request queued = rig.Nop(EngineId.Rcs0);
            var engineReset = TestThread.Start("engine-reset", () => rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hang"));
            var wedge = TestThread.Start("wedge", () => rig.Reset.SetWedged("test: wedge beside an engine reset"));
            engineReset.Join();
            wedge.Join();

            // Whichever came first, the hung batch ended with -EIO (guilty, or cancelled) and its successor with -EIO
            // (cancelled) or ok (it ran after the engine reset, before the wedge).
            Assert.True(hung.Request.Wait(Bound.Long));
            Assert.True(queued.Wait(Bound.Long));
            Assert.Equal(-Errno.EIO, hung.Request.Status);
            Assert.Contains(queued.Status, new[] { 1, -Errno.EIO });
            // The hang report handled after the wedge escalates to a full reset (no engine reset while wedged), and
            // intel_gt_reset begins by unwedging (__intel_gt_unset_wedged): either way the GT ends usable or wedged,
            // never in between.
            Request probe = rig.Nop(EngineId.Bcs0);
            Assert.True(probe.Wait(Bound.Long));
            Assert.Equal(rig.Reset.IsWedged ? -Errno.EIO : 1, probe.Status);
        }
    }

    [Fact]
    public void AWedgeWhileFourThreadsSubmitSignalsEveryFenceOnceWithOkOrEio()
    {
        using var rig = new ResetRig();
        using var stop = new ManualResetEventSlim(false);
        var submitted = new System.Collections.Concurrent.ConcurrentBag<Request>();
        Driver.Core.Contexts.GpuContext[] contexts = Enumerable.Range(0, 4).Select(_ => rig.Harness.Client.CreateContext()).ToArray();
        var threads = Enumerable.Range(0, 4).Select(t => TestThread.Start($"submitter-{t}", () =>
        {
            EngineId engine = EngineIds.All[t % EngineIds.Count];
            for (int i = 0; i < 20_000 && !stop.IsSet; i++)
            {
                submitted.Add(rig.Nop(engine, contexts[t]));
            }
        })).ToList();
        Poll.Until(() => submitted.Count > 400, "the submitters never got going");

        rig.Reset.SetWedged("test: wedge under submission");
        stop.Set();
        threads.ForEach(t => t.Join());

        Assert.True(rig.Reset.IsWedged);
        foreach (Request rq in submitted)
        {
            Assert.True(rq.Wait(Bound.Long), $"{rq} never signalled");
            Assert.Contains(rq.Status, new[] { 1, -Errno.EIO });
        }

        Assert.Contains(submitted, rq => rq.Status == -Errno.EIO);
        Request after = rig.Nop(EngineId.Rcs0);
        Assert.Equal(-Errno.EIO, after.Status);
    }
}
