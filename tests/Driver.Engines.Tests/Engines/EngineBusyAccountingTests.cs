using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// An engine's outstanding-work accounting across a rewind: requests taken by a reset are still the engine's until
/// they are replayed and executed, or retired by the reset path. Waiting for an idle engine in the middle of a
/// rewind (what gem_reset_stats does with gem_quiescent_gpu) must not return before the rewind decided their fate.
/// </summary>
public sealed class EngineBusyAccountingTests
{
    [Fact]
    public void TakenRequestsKeepTheEngineBusyUntilReplayedAndExecutedOrRetired()
    {
        using var h = new GtHarness();
        Engine engine = h.Gt[EngineId.Rcs0];
        TestBuffer gate = h.NewBuffer();
        // A batch waiting on a semaphore keeps the engine busy with requests queued behind it.
        Request waiter = h.Submit(new BatchBuilder().SemaphoreWait(gate.Address, CompareOp.NotEqual, 0).End());
        // Each on a context of its own: cancelling one must not move another's breadcrumb (a reset never completes a
        // later request of a timeline before the earlier ones).
        var queued = Enumerable.Range(0, 3).Select(_ => h.Submit(new BatchBuilder().End(), context: h.Client.CreateContext())).ToList();
        Poll.Until(() => engine.Active == waiter, "the waiting request to run");

        Assert.True(engine.Park(Bound.Long));
        List<Request> taken = engine.TakeAllRequests();
        Assert.Equal(4, taken.Count);
        Assert.True(engine.IsBusy, "an engine must not look idle while a rewind holds its requests");
        // Replay all but the last one, which the "reset" cancels.
        Request cancelled = taken[^1];
        engine.Replay(taken.Take(3));
        Assert.True(engine.IsBusy);
        cancelled.SetErrorOnce(-Driver.Core.Errors.Errno.EIO);
        Driver.Engines.Execution.Engine.CompleteOnCpu(cancelled);
        engine.RetireTaken(1);
        engine.MarkReset();
        engine.Unpark();

        Assert.True(engine.IsBusy, "the replayed semaphore wait is still pending");
        gate[0] = 1;
        Assert.True(queued[1].Wait(Bound.Long));
        Poll.Until(() => !engine.IsBusy, "the engine to go idle");
        Assert.Equal(1, waiter.Status);
        Assert.Equal(-Driver.Core.Errors.Errno.EIO, cancelled.Status);
        Assert.Equal(engine.Submitted, engine.Completed);
    }
}
