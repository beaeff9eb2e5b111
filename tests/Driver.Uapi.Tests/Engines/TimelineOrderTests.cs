using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Engines;

/// <summary>A request behind a held predecessor on its timeline keeps timeline order.</summary>
public class TimelineOrderTests
{
    [Fact]
    public void RequestBehindAHeldPredecessorWaitsForIt()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var gate = new DmaFence();
        DmaFence first = t.Submit(new BatchBuilder().StoreDword(target.At(0), 1).End(), EngineId.Rcs0, 0, [gate]);
        DmaFence second = t.Submit(new BatchBuilder().StoreDword(target.At(1), 2).End(), EngineId.Rcs0);
        var rec = new SignalRecorder();
        rec.Watch(first);
        rec.Watch(second);
        // Prove the engine is free: other contexts' work completes, the second request still does not run.
        Assert.Equal(0, t.Dev.CreateContext(t.Client, out int other));
        t.AssertWorks(EngineId.Rcs0, other);
        Assert.False(second.IsSignaled);
        Assert.Equal(0u, target[1]);

        gate.Signal();
        Assert.True(second.Wait(Bound.Long));
        Assert.Equal([1u, 2u], rec.Await(2).Select(e => e.Seqno));
        Assert.Equal(1u, target[0]);
        Assert.Equal(2u, target[1]);
    }

    [Fact]
    public void PredecessorErrorIsNotInheritedThroughTimelineOrder()
    {
        using var t = TestDevice.WithoutHeartbeat();
        TestBuffer target = t.NewBuffer();
        var gate = new DmaFence();
        DmaFence first = t.Submit(new BatchBuilder().StoreDword(target.At(0), 1).End(), EngineId.Rcs0, 0, [gate]);
        DmaFence second = t.Submit(new BatchBuilder().StoreDword(target.At(1), 2).End(), EngineId.Rcs0);
        gate.SetError(-Errno.EIO);
        gate.Signal();
        Assert.True(second.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, first.Status);
        Assert.Equal(1, second.Status);
        Assert.Equal(0u, target[0]);
        Assert.Equal(2u, target[1]);
    }

    /// <summary>
    /// The predecessor's gate signals on another thread, which is descheduled between marking the predecessor
    /// submitted and queueing it on the engine (modelled by a slow submission handler). A successor built in that
    /// window must still run after the predecessor, and the predecessor's payload must still run.
    /// </summary>
    [Fact]
    public async Task SuccessorBuiltWhilePredecessorIsBeingSubmittedKeepsOrder()
    {
        using var h = new GtHarness();
        Engine engine = h.Gt[EngineId.Rcs0];
        TestBuffer target = h.NewBuffer();
        TestBuffer firstBatch = h.NewBuffer();
        firstBatch.Write(new BatchBuilder().StoreDword(target.At(0), 1).End());
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        engine.SubmitRequest = rq =>
        {
            if (rq.BatchAddress == firstBatch.Address)
            {
                entered.Set();
                release.Wait(Bound.Long);
            }
            engine.DefaultSubmitRequest(rq);
        };
        var gate = new DmaFence();
        Request first = h.Submit(firstBatch, EngineId.Rcs0, inFences: [gate]);
        Task<bool> signaller = Task.Run(() => gate.Signal());
        Assert.True(entered.Wait(Bound.Long));

        Request second = h.Submit(new BatchBuilder().StoreDword(target.At(1), 2).End());
        release.Set();
        Assert.True(await signaller.WaitAsync(Bound.Long));
        Assert.True(first.Wait(Bound.Long));
        Assert.True(second.Wait(Bound.Long));
        Assert.Equal(1, first.Status);
        Assert.Equal(1, second.Status);
        Assert.True(first.SignalTimestamp <= second.SignalTimestamp, "the successor signalled before its predecessor");
        Assert.Equal(1u, target[0]); // the predecessor's payload ran (it was not mistaken for completed)
        Assert.Equal(2u, target[1]);
    }
}
