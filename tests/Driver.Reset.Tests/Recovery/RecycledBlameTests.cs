using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Hangcheck;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// Review finding (review3): hang reports carry the blamed request as a raw pointer loaded from
/// <c>engine.Active</c> (Heartbeat.ReportHang, ProcessRevokes, OnPreemptTimeout), with no counted reference, and the
/// reset worker drops a stale report by reading that object's <c>IsSignaled</c>/<c>Guilty</c> (and compares it with
/// <c>engine.Active</c>). A request of the slab (SLAB_TYPESAFE_BY_RCU) can be freed and recycled meanwhile: the
/// object is then another, pending request, the report is not dropped, and the engine is reset with an innocent
/// request judged guilty. The Request remarks require such a reader to take a reference (TryGet(generation)) and
/// re-check; i915's heartbeat holds a reference on its systole and decides in the same worker that resets.
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
            worker.Queue(EngineId.Rcs0.Mask(), ErrorFlags.None, "stopped heartbeat on rcs0", blamed);
            Poll.Until(() => worker.Pending == 0, "the worker to take the report");
        }

        Assert.False(spin.Request.Guilty, "a stale report whose request was recycled reset the request that reuses the object");
        Assert.False(spin.Request.IsSignaled);
        spin.End();
        Assert.True(spin.Request.Wait(Bound.Long));
        Assert.Equal(1, spin.Request.Status);
    }
}
