using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Gt;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// __intel_gt_set_wedged cannot fail, on mock engines, under both designs of the handler swap (the epoch's grace
/// period and stop_machine): whatever an engine does, WEDGED is set, the nop handler is installed everywhere, and every
/// fence ends with -EIO — at once for an engine that stopped, at its next safe point for one that did not.
/// </summary>
public sealed class MockWedgeTests
{
    public static TheoryData<WedgeStrategy> Strategies => new() { WedgeStrategy.Epoch, WedgeStrategy.StopMachine };

    [Theory]
    [MemberData(nameof(Strategies))]
    public void WedgeWithAnEngineThatWillNotStopSetsWedgedAndCancelsItWhenItStops(WedgeStrategy strategy)
    {
        using var rig = new MockResetRig(strategy);
        Request stuck = rig.Hang(EngineId.Rcs0);
        Request behindStuck = rig.Nop(EngineId.Rcs0);
        Request other = rig.Hang(EngineId.Ccs0);
        rig[EngineId.Rcs0].RefusesToStop = true;

        rig.Reset.SetWedged("test: rcs0 will not stop");

        Assert.True(rig.Reset.IsWedged);
        Assert.All(rig.Gt.Engines, e => Assert.NotSame(e.DefaultSubmitRequest, e.SubmitRequest));
        Assert.Equal(-Errno.EIO, other.Status);
        Assert.False(stuck.IsSignaled);
        Assert.True(rig[EngineId.Rcs0].IsCancelPending);
        // Nothing new reaches the stuck engine: the nop handler answers on the submitter's thread.
        Request late = rig.Nop(EngineId.Rcs0);
        Assert.Equal(-Errno.EIO, late.Status);
        Assert.Equal(1, rig[EngineId.Rcs0].Submitted - rig[EngineId.Rcs0].Completed - 1);

        // The engine reaches a safe point: engine->reset.cancel runs there.
        rig[EngineId.Rcs0].RefusesToStop = false;
        rig[EngineId.Rcs0].Advance();
        Assert.Equal(-Errno.EIO, stuck.Status);
        Assert.Equal(-Errno.EIO, behindStuck.Status);
        Assert.False(rig[EngineId.Rcs0].IsBusy);
        rig.AssertEveryFenceSignalled();
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void WedgeDuringAnEngineResetWaitsForItAndThenCancelsEverything(WedgeStrategy strategy)
    {
        using var rig = new MockResetRig(strategy);
        Request hung = rig.Hang(EngineId.Bcs0);
        Request queued = rig.Nop(EngineId.Bcs0, rig.Client.CreateContext());
        Request elsewhere = rig.Hang(EngineId.Vcs0);

        // The engine reset holds bcs0's RESET_ENGINE bit; the wedge must wait for it (it takes every engine bit).
        TestThread wedger;
        using (rig.Reset.EngineResetLock(EngineId.Bcs0))
        {
            wedger = TestThread.Start("wedger", () => rig.Reset.SetWedged("test: wedge during an engine reset"));
            // Held off by the bit: the wedge has not happened while the engine reset is in progress.
            Assert.False(wedger.TryJoin(TimeSpan.FromMilliseconds(50)));
            Assert.False(rig.Reset.IsWedged);
            rig.Reset.ResetEngine(rig[EngineId.Bcs0], "test: engine reset under the bit");
            Assert.Equal(-Errno.EIO, hung.Error);
            Assert.False(queued.IsSignaled);
        }

        wedger.Join();
        Assert.True(rig.Reset.IsWedged);
        // What the engine reset replayed is cancelled by the wedge, as is every other engine's work.
        Assert.Equal(-Errno.EIO, queued.Status);
        Assert.Equal(-Errno.EIO, elsewhere.Status);
        rig.AssertEveryFenceSignalled();
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void WedgeWhileFourThreadsSubmitLosesNoFence(WedgeStrategy strategy)
    {
        using var rig = new MockResetRig(strategy);
        using var stop = new ManualResetEventSlim(false);
        int submitted = 0;
        TestThread[] submitters = Enumerable.Range(0, 4).Select(t => TestThread.Start($"submitter{t}", () =>
        {
            GpuContext ctx = rig.Client.CreateContext();
            EngineId engine = EngineIds.All[t % EngineIds.Count];
            for (int i = 0; i < 100_000 && !stop.IsSet; i++)
            {
                rig.Nop(engine, ctx);
                Interlocked.Increment(ref submitted);
            }
        })).ToArray();
        // Some of the work completes normally before the wedge.
        Poll.Until(() => Volatile.Read(ref submitted) > 2_000, "the submitters to get going");
        // One pass per engine (not AdvanceAll, which would chase the submitters to the end of their loops).
        foreach (EngineId id in EngineIds.All)
        {
            rig[id].Advance(max: 200);
        }
        Poll.Until(() => Volatile.Read(ref submitted) > 4_000, "the submitters to queue more");

        rig.Reset.SetWedged("test: wedge under four submitters");
        Poll.Until(() => Volatile.Read(ref submitted) > 6_000, "the submitters to keep submitting after the wedge");
        stop.Set();
        TestThread.JoinAll(submitters);

        // Every request ended: completed before the wedge, cancelled by it, or refused by the nop handler after.
        rig.AssertEveryFenceSignalled();
        Assert.Contains(rig.Requests, rq => rq.Status == 1);
        Assert.Contains(rig.Requests, rq => rq.Status == -Errno.EIO);
        Assert.All(rig.Gt.Engines, e => Assert.False(e.IsBusy, $"{e.Name} still counts work after the wedge"));
    }

    [Fact]
    public void UnwedgeAfterAWedgeRestoresSubmission()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Rcs0);
        rig.Reset.SetWedged("test");
        Assert.Equal(-Errno.EIO, hung.Status);

        // intel_gt_unset_wedged: a full hardware reset, then the default submit_request back on every engine.
        Assert.True(rig.Reset.Unwedge());
        Assert.All(rig.Gt.Engines, e => Assert.Same(e.DefaultSubmitRequest, e.SubmitRequest));
        rig.AssertNotWedged();
        rig.AssertEveryFenceSignalled();
    }
}
