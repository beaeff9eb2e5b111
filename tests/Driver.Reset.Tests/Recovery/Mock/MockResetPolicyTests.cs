using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// The reset core's policy on mock engines, step by step: who is guilty, who is replayed, what escalates. The engines'
/// queue surgery is theirs (engine->reset.rewind); these tests check what the core decides through it.
/// </summary>
public sealed class MockResetPolicyTests
{
    [Fact]
    public void EngineResetMakesTheHungRequestGuiltyAndReplaysWhatFollows()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Rcs0);
        Request behind = rig.Nop(EngineId.Rcs0, rig.Client.CreateContext());
        Request elsewhere = rig.Hang(EngineId.Bcs0);

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: rcs0 hung");

        // __intel_engine_reset_bh → execlists_reset_rewind → __i915_request_reset(rq, guilty=true): -EIO, skipped.
        Assert.Equal(1, rig[EngineId.Rcs0].Rewinds);
        Assert.Equal(0, rig.Reset.ResetCount);
        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Render));
        Assert.True(hung.Guilty);
        Assert.Equal(-Errno.EIO, hung.Error);
        // The request behind it was not judged: replayed untouched. Nothing signals until the engine resumes and
        // runs the replay: the guilty request's skipped payload, then the next one.
        Assert.False(hung.IsSignaled);
        Assert.False(behind.IsSignaled);
        rig[EngineId.Rcs0].Advance();
        Assert.Equal(-Errno.EIO, hung.Status);
        Assert.Equal(1, behind.Status);
        // An engine reset touches no other engine.
        Assert.Equal(0, rig[EngineId.Bcs0].Rewinds);
        Assert.False(elsewhere.IsSignaled);
        Assert.Equal(0, elsewhere.Error);
    }

    [Fact]
    public void FullResetJudgesOnlyStalledEnginesGuiltyAndReplaysTheOthersAsInnocent()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Rcs0);
        Request victim = rig.Hang(EngineId.Vcs0);
        Request queued = rig.Nop(EngineId.Vcs0, rig.Client.CreateContext());

        // intel_gt_reset with stalled_mask = rcs0: every engine is rewound, stalled ones guilty.
        using (rig.Reset.ResetGlobalLock())
        {
            rig.Reset.ResetFull(EngineId.Rcs0.Mask(), "test: full reset");
        }

        Assert.Equal(1, rig.Reset.ResetCount);
        Assert.All(rig.Gt.Engines, e => Assert.Equal(1, rig[e.Id].Rewinds));
        Assert.Equal(-Errno.EIO, hung.Error);
        Assert.True(hung.Guilty);
        // __i915_request_reset(rq, guilty=false): -EAGAIN, kept, replayed from its start; not yet signalled.
        Assert.False(victim.Guilty);
        Assert.Equal(-Errno.EAGAIN, victim.Error);
        Assert.False(victim.IsSignaled);
        Assert.Equal(1, victim.Replays);
        Assert.False(queued.IsSignaled);
        // The victim is replayed from its start, so it spins again until ended.
        rig[EngineId.Vcs0].EndHangs();
        rig.AdvanceAll();
        Assert.Equal(-Errno.EIO, hung.Status);
        Assert.Equal(-Errno.EAGAIN, victim.Status);
        Assert.Equal(1, queued.Status);
        rig.AssertNotWedged();
        rig.AssertEveryFenceSignalled();
    }

    [Fact]
    public void AFailedEngineResetEscalatesToAFullReset()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Bcs0);
        rig.Reset.Faults.FailEngineResets(1);

        rig.Reset.HandleError(EngineId.Bcs0.Mask(), ErrorFlags.None, "test: engine reset fails");

        // intel_gt_handle_error: what the engine reset could not clear goes to intel_gt_reset_global.
        Assert.Equal(1, rig.Reset.FailedResets);
        Assert.Equal(1, rig.Reset.ResetCount);
        Assert.Equal(-Errno.EIO, hung.Error);
        Assert.False(rig.Reset.IsWedged);
        rig.AdvanceAll();
        Assert.Equal(-Errno.EIO, hung.Status);
    }

    [Fact]
    public void AnEngineResetOfAnEngineThatWillNotStopEscalatesAndTheFullResetWedges()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Vecs0);
        Request other = rig.Nop(EngineId.Rcs0);
        rig[EngineId.Vecs0].RefusesToStop = true;

        rig.Reset.HandleError(EngineId.Vecs0.Mask(), ErrorFlags.None, "test: vecs0 will not stop");

        // The engine reset fails to prepare; the full reset fails too ("engines did not stop") and wedges; the
        // wedge cannot fail: everything that stopped is cancelled now, the stuck engine owes its cancel.
        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(2, rig.Reset.FailedResets);
        Assert.Equal(-Errno.EIO, other.Status);
        Assert.True(rig[EngineId.Vecs0].IsCancelPending);
        Assert.False(hung.IsSignaled);

        rig[EngineId.Vecs0].RefusesToStop = false;
        rig[EngineId.Vecs0].Advance();
        Assert.Equal(-Errno.EIO, hung.Status);
        rig.AssertEveryFenceSignalled();
    }

    [Fact]
    public void InjectedFullResetFailureWedgesAndEveryFenceEndsWithEio()
    {
        using var rig = new MockResetRig();
        Request hung = rig.Hang(EngineId.Rcs0);
        var queued = EngineIds.All.Select(id => rig.Nop(id, rig.Client.CreateContext())).ToList();
        rig.Reset.Faults.FailFullResets(1 + GtReset.FullResetRetries);

        rig.Reset.ResetFullExclusive(EngineId.Rcs0.Mask(), "test: the chip will not reset");

        // intel_gt_reset: do_reset failed every retry → __intel_gt_set_wedged.
        Assert.True(rig.Reset.IsWedged);
        Assert.Equal(-Errno.EIO, hung.Status);
        Assert.All(queued, rq => Assert.Equal(-Errno.EIO, rq.Status));
        // A submission after the wedge meets the nop handler on the submitter's own thread.
        Request late = rig.Nop(EngineId.Ccs0);
        Assert.Equal(-Errno.EIO, late.Status);
        rig.AssertEveryFenceSignalled();
    }
}
