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
}
