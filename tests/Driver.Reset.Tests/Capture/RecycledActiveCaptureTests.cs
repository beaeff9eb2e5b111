using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Engines.Gt;
using Driver.Engines.Isa;
using Driver.Reset.Capture;

namespace Driver.Reset.Tests.Capture;

/// <summary>
/// The capture reads the engine's active request through a raw pointer, as an RCU reader of the request slab
/// (SLAB_TYPESAFE_BY_RCU) does. capture_engine takes a reference (i915_request_get_rcu) and re-checks that the
/// engine still runs it before it records anything; a request that finished and was recycled as another context's
/// request meanwhile must not be recorded as what the engine was running, nor its context named guilty.
/// </summary>
public sealed class RecycledActiveCaptureTests : IDisposable
{
    private readonly LoadedActiveEngine _vcs = new(EngineId.Vcs0);
    private readonly IntelGt _gt;

    public RecycledActiveCaptureTests()
    {
        // Every engine is the simulated one but vcs0, the one the capture looks at.
        _gt = new IntelGt(new GtConfig
        {
            MemoryBytes = 32L << 20,
            GgttBytes = 64L << 20,
            EngineFactory = (id, _) => id == EngineId.Vcs0 ? _vcs : null!,
        });
    }

    public void Dispose() => _gt.Dispose();

    [Fact]
    public void ARequestRecycledAfterTheActiveLoadIsNotCapturedAsTheHungOne()
    {
        var client = new Client(_gt.NextClientId(), "first", privileged: false, _gt.StatusPages);
        var other = new Client(_gt.NextClientId(), "other", privileged: false, _gt.StatusPages);
        var bo = new BufferObject(_gt.Memory, DeviceMemory.PageSize, BoFlags.None);
        _gt.Ggtt.Insert(bo);
        bo.WriteDwords(0, new BatchBuilder().End().ToArray());
        GpuContext a = client.CreateContext();

        // The request a reader loads from the engine.
        Request loaded = _gt.CreateAndSubmit(a, EngineId.Rcs0, bo.GgttOffset, RequestFlags.None, null);
        Assert.True(loaded.Wait(Bound.Long));
        Poll.Until(() => loaded.References == 2, "the engine to retire it (creator + timeline.Last left)");
        loaded.Put();
        Request? reuse = null;
        _vcs.Loaded = loaded;
        _vcs.AfterLoad = () =>
        {
            // Between the load and the capture's reads: the next request of its timeline takes Timeline.Last's
            // reference away, which frees it to this thread's magazine; another client's request reuses the object.
            Request next = _gt.CreateAndSubmit(a, EngineId.Rcs0, bo.GgttOffset, RequestFlags.None, null);
            Assert.True(next.Wait(Bound.Long));
            Assert.Equal(0, loaded.References);
            reuse = _gt.CreateAndSubmit(other.DefaultContext, EngineId.Bcs0, bo.GgttOffset, RequestFlags.None, null);
        };

        var store = new ErrorStateStore();
        GpuErrorState state = new ErrorCapture(_gt, store).Capture(EngineId.Vcs0.Mask(), "stale load");

        Assert.Same(loaded, reuse);
        Assert.True(reuse!.Wait(Bound.Long));
        EngineErrorState vcs = Assert.Single(state.Engines);
        Assert.True(vcs.Active is null, $"vcs0 captured as running {vcs.Active?.Context}, a bcs0 request of another client");
        Assert.Null(state.GuiltyContext);
    }

    /// <summary>
    /// capture_vma holds the batch vma, its object and (while busy) its pages before copying them, so the dump is
    /// the batch's own bytes even if the request finishes and the object is freed meanwhile. Read through whatever
    /// the GGTT maps at the batch address when the capture gets to it, the dump is another client's object.
    /// </summary>
    [Fact]
    public void TheBatchDumpIsNeverAnotherObjectBoundWhereTheBatchWas()
    {
        const uint Secret = 0x5ec7e7;
        var client = new Client(_gt.NextClientId(), "first", privileged: false, _gt.StatusPages);
        var bo = new BufferObject(_gt.Memory, DeviceMemory.PageSize, BoFlags.None);
        _gt.Ggtt.Insert(bo);
        uint address = bo.GgttOffset;
        bo.WriteDwords(0, new BatchBuilder().ArbCheck().Jump(address).ToArray());
        Request spin = _gt.CreateAndSubmit(client.DefaultContext, EngineId.Rcs0, address, RequestFlags.None, null);
        Poll.Until(() => spin.Started, "the spinner to start");
        _vcs.Running = spin;
        _vcs.OnHeadRead = () =>
        {
            _vcs.OnHeadRead = null;
            // While the capture looks at the engine: the batch ends, the request signals, its object is released
            // and another client's object is bound at the same address.
            bo.WriteDwords(0, new BatchBuilder().End().ToArray());
            Assert.True(spin.Wait(Bound.Long));
            _gt.Ggtt.Remove(bo);
            bo.Free();
            var secret = new BufferObject(_gt.Memory, DeviceMemory.PageSize, BoFlags.None);
            secret.WriteDwords(0, [Secret, Secret, Secret, Secret]);
            _gt.Ggtt.Insert(secret, address);
        };

        GpuErrorState state = new ErrorCapture(_gt, new ErrorStateStore()).Capture(EngineId.Vcs0.Mask(), "freed batch");

        EngineErrorState vcs = Assert.Single(state.Engines);
        Assert.DoesNotContain(Secret, vcs.BatchDwords);
    }
}
