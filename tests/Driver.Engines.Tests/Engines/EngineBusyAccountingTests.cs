using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// An engine's outstanding-work accounting across the engine->reset steps: requests a rewind or cancel holds are still
/// the engine's until they are replayed and executed, or signalled by the reset. Waiting for an idle engine in the
/// middle of a reset (what gem_reset_stats does with gem_quiescent_gpu) must not return before the reset decided their
/// fate.
/// </summary>
public sealed class EngineBusyAccountingTests
{
    /// <summary>Records the requests a rewind judged, and whether the engine looked busy at that moment.</summary>
    private sealed class RecordingReset(Engine engine) : IRequestReset
    {
        public List<(Request Rq, bool Guilty, bool EngineBusy)> Judged { get; } = [];

        public void ResetRequest(Request rq, bool guilty)
        {
            // __i915_request_reset's decision, reduced to the errno: the core's policy is not under test here.
            rq.SetErrorOnce(guilty ? -Errno.EIO : -Errno.EAGAIN);
            Judged.Add((rq, guilty, engine.IsBusy));
        }
    }

    [Fact]
    public void RewoundRequestsKeepTheEngineBusyUntilReplayedAndExecuted()
    {
        using var h = new GtHarness();
        Engine engine = h.Gt[EngineId.Rcs0];
        // Timeslicing off (timeslice_duration_ms = 0): equal priorities run in order, so the requests below stay
        // queued behind the waiter instead of taking turns with it at its semaphore (an arbitration point).
        engine.TimesliceDuration = TimeSpan.Zero;
        TestBuffer gate = h.NewBuffer();
        // A batch waiting on a semaphore keeps the engine busy with requests queued behind it, each on a context of
        // its own.
        Request waiter = h.Submit(new BatchBuilder().SemaphoreWait(gate.Address, CompareOp.NotEqual, 0).End());
        var queued = Enumerable.Range(0, 3).Select(_ => h.Submit(new BatchBuilder().End(), context: h.Client.CreateContext())).ToList();
        Poll.Until(() => engine.Active == waiter, "the waiting request to run");

        var reset = new RecordingReset(engine);
        Assert.True(engine.ResetPrepare(Bound.Long));
        engine.ResetRewind(stalled: false, reset);
        Assert.True(engine.IsBusy, "an engine must not look idle while it holds rewound requests");
        engine.ResetFinish();

        // execlists_reset_active: only the started active request is judged; innocent here (stalled: false).
        (Request rq, bool guilty, bool busy) = Assert.Single(reset.Judged);
        Assert.Same(waiter, rq);
        Assert.False(guilty);
        Assert.True(busy, "the engine looked idle while the rewind was deciding");
        Assert.True(engine.IsBusy, "the replayed semaphore wait is still pending");
        gate[0] = 1;
        Assert.True(queued[^1].Wait(Bound.Long));
        Poll.Until(() => !engine.IsBusy, "the engine to go idle");
        Assert.Equal(-Errno.EAGAIN, waiter.Status);
        Assert.All(queued, q => Assert.Equal(1, q.Status));
        Assert.Equal(engine.Submitted, engine.Completed);
    }

    [Fact]
    public void CancelLeavesTheEngineIdleOnlyWithEveryRequestSignalled()
    {
        using var h = new GtHarness();
        Engine engine = h.Gt[EngineId.Rcs0];
        // Timeslicing off (timeslice_duration_ms = 0): equal priorities run in order, so the requests below stay
        // queued behind the waiter instead of taking turns with it at its semaphore (an arbitration point).
        engine.TimesliceDuration = TimeSpan.Zero;
        TestBuffer gate = h.NewBuffer();
        Request waiter = h.Submit(new BatchBuilder().SemaphoreWait(gate.Address, CompareOp.NotEqual, 0).End());
        var queued = Enumerable.Range(0, 3).Select(_ => h.Submit(new BatchBuilder().End(), context: h.Client.CreateContext())).ToList();
        Poll.Until(() => engine.Active == waiter, "the waiting request to run");

        Assert.True(engine.ResetPrepare(Bound.Long));
        engine.ResetCancel();
        // execlists_reset_cancel: everything held is -EIO and signalled before the engine counts it done.
        Assert.All(queued.Prepend(waiter), rq =>
        {
            Assert.True(rq.IsSignaled);
            Assert.Equal(-Errno.EIO, rq.Status);
        });
        Assert.False(engine.IsBusy);
        Assert.Equal(engine.Submitted, engine.Completed);
        engine.ResetFinish();

        // The abandoned semaphore wait does not come back when the engine resumes.
        gate[0] = 1;
        Request after = h.Submit(new BatchBuilder().End());
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(1, after.Status);
    }
}
