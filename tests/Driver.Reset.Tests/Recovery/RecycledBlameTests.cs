using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Hangcheck;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// A hang report names the request the reporter found active, at the generation it saw it at: the report takes a
/// counted reference on that incarnation (ResetWorker.Queue, TryGet(generation): i915_request_get_rcu and a re-check),
/// so a request that finished and was recycled by the slab (SLAB_TYPESAFE_BY_RCU) meanwhile is not reset, nor judged
/// guilty, for its predecessor's report.
/// </summary>
public sealed class RecycledBlameTests : IDisposable
{
    private readonly ResetRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void AStaleHangReportWhoseRequestWasRecycledDoesNotResetTheRequestThatReusesIt()
    {
        GpuContext a = _rig.Harness.Client.CreateContext();
        // The request the heartbeat blamed (its raw pointer, as ReportHang queues it): it then completes.
        Request blamed = _rig.Nop(EngineId.Rcs0, a);
        Assert.True(blamed.Wait(Bound.Long));
        // The generation a reporter saw it at (Heartbeat reads it with Active).
        int seen = blamed.Generation;
        Poll.Until(() => blamed.References == 2, "the engine to retire it (creator + timeline.Last left)");
        blamed.Put();
        // The next request of its timeline takes Timeline.Last's reference away: the last put frees it to this thread's
        // magazine of the slab.
        Request next = _rig.Nop(EngineId.Rcs0, a);
        Assert.True(next.Wait(Bound.Long));
        Assert.Equal(0, blamed.References);

        // An innocent context's batch is built from the slab: the same object, a new request.
        ResetRig.Spinner spin = _rig.Spin(EngineId.Rcs0, _rig.Harness.Client.CreateContext());
        Assert.Same(blamed, spin.Request);

        using (var worker = new ResetWorker(_rig.Reset))
        {
            worker.Queue(EngineId.Rcs0.Mask(), ErrorFlags.None, "stopped heartbeat on rcs0", blamed, blameGeneration: seen);
            Poll.Until(() => worker.Pending == 0, "the worker to take the report");
        }

        Assert.False(spin.Request.Guilty, "a stale report whose request was recycled reset the request that reuses the object");
        Assert.False(spin.Request.IsSignaled);
        spin.End();
        Assert.True(spin.Request.Wait(Bound.Long));
        Assert.Equal(1, spin.Request.Status);
    }
}
