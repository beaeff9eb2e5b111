using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Engines.Gt;
using Driver.Engines.Isa;
using Driver.Reset.Hangcheck;
using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Hangcheck;

/// <summary>
/// The heartbeat's hang report names the request it found active (a raw load of engine.Active, an RCU reader of the
/// request slab, SLAB_TYPESAFE_BY_RCU). The report must be pinned to the incarnation that was active: i915 takes a
/// reference with i915_request_get_rcu and then re-checks the pointer it loaded (dma_fence_get_rcu_safe). Reading the
/// request's Generation after the load pins nothing: if the request finished and was recycled between the load and
/// that read, the generation read is already the new request's, and the report blames it.
/// </summary>
public sealed class RecycledHangReportTests : IDisposable
{
    private readonly StuckPulseEngine _vcs = new(EngineId.Vcs0);
    private readonly IntelGt _gt;
    private readonly GtReset _reset;
    private readonly ResetWorker _worker;

    public RecycledHangReportTests()
    {
        // Every engine is the simulated one but vcs0, where the heartbeat's pulses never get in.
        _gt = new IntelGt(new GtConfig
        {
            MemoryBytes = 32L << 20,
            GgttBytes = 64L << 20,
            EngineFactory = (id, _) => id == EngineId.Vcs0 ? _vcs : null!,
        });
        _reset = new GtReset(_gt);
        _worker = new ResetWorker(_reset);
    }

    public void Dispose()
    {
        _worker.Dispose();
        _gt.Dispose();
    }

    [Fact]
    public void AHangReportWhoseActiveRequestWasRecycledAfterTheLoadDoesNotBlameTheRequestThatReusesIt()
    {
        var client = new Client(_gt.NextClientId(), "first", privileged: false, _gt.StatusPages);
        var other = new Client(_gt.NextClientId(), "other", privileged: false, _gt.StatusPages);
        var bo = new BufferObject(_gt.Memory, DeviceMemory.PageSize, BoFlags.None);
        _gt.Ggtt.Insert(bo);
        bo.WriteDwords(0, new BatchBuilder().End().ToArray());
        GpuContext a = client.CreateContext();

        // The request the heartbeat will find active on the stuck engine: done, held by its creator and timeline.Last.
        Request loaded = _gt.CreateAndSubmit(a, EngineId.Rcs0, bo.GgttOffset, RequestFlags.None, null);
        Assert.True(loaded.Wait(Bound.Long));
        Poll.Until(() => loaded.References == 2, "the engine to retire it (creator + timeline.Last left)");

        var blocker = new DmaFence(DmaFence.ContextAlloc(), 1);
        Request? reuse = null;
        Exception? failure = null;
        _vcs.Loaded = loaded;
        _vcs.AfterLoad = () =>
        {
            try
            {
                // Between ReportHang's load of Active and its next look (on the heartbeat thread): the request's creator
                // lets go, the next request of its timeline takes Timeline.Last's reference away, which frees it to this
                // thread's slab magazine; another client's request, held on a fence, reuses the object.
                loaded.Put();
                Request next = _gt.CreateAndSubmit(a, EngineId.Rcs0, bo.GgttOffset, RequestFlags.None, null);
                Assert.True(next.Wait(Bound.Long));
                reuse = _gt.CreateAndSubmit(other.DefaultContext, EngineId.Rcs0, bo.GgttOffset, RequestFlags.None, [blocker]);
            }
            catch (Exception e)
            {
                failure = e;
            }
        };

        using (var heartbeat = new Heartbeat(_gt, _reset, _worker))
        {
            foreach (EngineId id in EngineIds.All)
            {
                heartbeat.SetInterval(id, id == EngineId.Vcs0 ? TimeSpan.FromMilliseconds(2) : TimeSpan.Zero);
            }

            Poll.Until(() => _vcs.Loads == 1, "the heartbeat to climb to a barrier pulse and look at vcs0's active request");
            long sweeps = heartbeat.Sweeps;
            Poll.Until(() => heartbeat.Sweeps > sweeps + 1 && _worker.Pending == 0, "the heartbeat's sweep and its report to be done");
        }

        Assert.Null(failure);
        Assert.Same(loaded, reuse);
        Assert.False(reuse!.IsSignaled);
        // The request the heartbeat found finished before the report was made: nothing it found is still there to
        // blame, and the request that reuses the object (another client's, waiting on a fence) had no part in it.
        Assert.True(_worker.Handled == 0,
            "the heartbeat's report, made after the request it found had been recycled, was handled as the new request's hang");

        blocker.Signal();
        Assert.True(reuse.Wait(Bound.Long));
        Assert.Equal(1, reuse.Status);
    }
}
