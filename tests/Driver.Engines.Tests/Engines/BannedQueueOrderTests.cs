using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Isa;
using Driver.Testing.Gt;

namespace Driver.Engines.Tests.Engines;

/// <summary>
/// The fences of one fence context signal in seqno order: dma_resv_add_fence replaces a fence by a later one of its
/// context, sync_file merges keep the later one, and the busy ioctl reads the resv, all trusting that a later fence of
/// a timeline signals only once the earlier ones have. i915 skips a banned context's queued requests in
/// __i915_request_submit, in ring order; here DropBannedQueued (run inside the running batch, at its safe points)
/// leaves a request queued behind a running one of its own timeline in its place.
/// A bare GT: no heartbeat, no reset; the running batch is ended by the test.
/// </summary>
public sealed class BannedQueueOrderTests : IDisposable
{
    private readonly GtHarness _h = new();
    private Engine Rcs => _h.Gt[EngineId.Rcs0];

    public void Dispose() => _h.Dispose();

    [Fact]
    public void ABannedContextsQueuedRequestDoesNotSignalWhileTheEarlierRequestOfItsTimelineStillRuns()
    {
        GpuContext ctx = _h.Client.CreateContext();
        TestBuffer flags = _h.NewBuffer();
        TestBuffer target = _h.NewBuffer();
        // A batch with no arbitration point (it cannot be preempted): flags[0] = 1, then a loop storing 0xdead to
        // target[0] (dwords 3..5) and jumping back to dword 3.
        TestBuffer spin = _h.NewBuffer();
        spin.Write(new BatchBuilder()
            .StoreDword(flags.At(0), 1)
            .StoreDword(target.At(0), 0xdead)
            .Jump(spin.Address + 12));
        Request running = _h.Submit(spin, context: ctx);
        Poll.Until(() => flags[0] == 1, "the earlier request to start");
        // The later request of the same timeline (same context, same engine): queued behind the running one.
        Request queued = _h.Submit(new BatchBuilder().StoreDword(flags.At(1), 1).End(), context: ctx);

        int runningSignalledWhenQueuedSignalled = -1;
        if (!queued.AddCallback(new ActionFenceCallback(_ =>
            Volatile.Write(ref runningSignalledWhenQueuedSignalled, running.IsSignaled ? 1 : 0))))
        {
            runningSignalledWhenQueuedSignalled = running.IsSignaled ? 1 : 0;
        }

        // kill_engines: the context is banned and its queued work is dropped at the engine's next arbitration point.
        Assert.True(ctx.Ban());
        Rcs.SkipBannedQueued();
        // The engine passes safe points inside the running batch; each one looks at the queue (PreemptTimer).
        long marks = Rcs.SafePoints;
        Poll.Until(() => Rcs.SafePoints > marks + 16, "the engine to pass a few safe points after the skip request");

        bool queuedSignalledEarly = queued.IsSignaled;
        // Whatever happens, the earlier request is still running and still writing the object.
        target[0] = 0;
        Poll.Until(() => target[0] == 0xdead, "the earlier request to store again");
        Assert.False(running.IsSignaled);

        // Clean up: end the loop (dword 6 is the jump back: a BATCH_BUFFER_END there ends the batch).
        spin[6] = Mi.BatchBufferEnd;
        Assert.True(running.Wait(Bound.Long));
        Assert.True(queued.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, queued.Status);

        // The order: the later request of the timeline signalled only once the earlier one had.
        Assert.False(queuedSignalledEarly, "the later request signalled (-EIO) while the earlier one of its timeline was still running and writing memory");
        // A fence's callbacks run after its waiters are woken (and a busywaiting Wait returns at the signalled bit):
        // wait for the callback to have recorded what it saw.
        Poll.Until(() => Volatile.Read(ref runningSignalledWhenQueuedSignalled) != -1, "the later request's callback to run",
            bound: Bound.Long);
        Assert.Equal(1, Volatile.Read(ref runningSignalledWhenQueuedSignalled));
    }
}
