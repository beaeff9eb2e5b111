using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// What a hang ban covers in i915: __i915_request_reset calls intel_context_ban(rq->context), the hung request's
/// intel_context, i.e. the pair (GEM context, engine); the GEM context itself has no banned flag any more (its flags
/// are CONTEXT_CLOSED and CONTEXT_USER_ENGINES only), and eb_pin_engine refuses -EIO only when the intel_context it
/// is about to use is banned. __i915_request_submit skips (-EIO) only requests of a context that is not schedulable,
/// again per intel_context. So a GEM context banned for hangs on one engine still runs on its other engines.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class PerEngineBanTests
{
    [Fact]
    public void ContextBannedOnOneEngineStillRunsOnItsOtherEngines()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        int other = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        // mark_guilty: a context that is not recoverable is banned on its first hang.
        Assert.Equal(0, dev.SetContextParam(c, ctx, ContextParam.Recoverable, 0));

        // Work of the context queued on bcs0 before the hang, behind another context's spinner (no timeslice, so it
        // stays queued until the spinner ends).
        Assert.Equal(0, dev.SetTimesliceDuration(EngineId.Bcs0, TimeSpan.Zero));
        using Spinner blocker = StartSpinner(dev, c, new SpinnerOptions { Context = other, Engine = EngineId.Bcs0 });
        DmaFence queuedOnBcs = stores.Store(ctx, EngineId.Bcs0, target.Slot(0), 0x11);

        // The hang on rcs0: intel_context_ban(ctx's rcs0 intel_context).
        using (Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Rcs0 }))
        {
            dev.ForceReset(EngineId.Rcs0.Mask());
            AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        }

        WaitRecoveryIdle(dev);
        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, c, ctx));

        // rcs0 is refused (eb_pin_engine: that intel_context is banned)...
        Assert.Equal(-Errno.EIO, stores.TrySubmit(ctx, EngineId.Rcs0, target.Slot(1), 0x22, out _));

        // ...but the context's bcs0 intel_context is not: what was queued there runs, and new work is taken.
        blocker.End();
        AssertStatus(1, blocker.Fence, "the other context's spinner");
        AssertStatus(1, queuedOnBcs, "the banned-on-rcs0 context's store queued on bcs0");
        Assert.Equal(0x11u, target[0]);
        int err = stores.TrySubmit(ctx, EngineId.Bcs0, target.Slot(2), 0x33, out DmaFence? fresh);
        Assert.True(err == 0, $"execbuf on bcs0 of a context banned on rcs0: expected 0, got {Errno.Name(err)}");
        AssertStatus(1, fresh!, "new store on bcs0");
        Assert.Equal(0x33u, target[2]);
    }

    /// <summary>
    /// mark_guilty keeps hang_timestamp[] for the GEM context's whole life and bans whenever the hang two before
    /// this one is within 120 s, already-banned or not; client_mark_guilty then adds +3 for the ban (and +1 for a fast
    /// hang) each time. A context whose 3rd and 4th fast hangs come together (two engines hung at once) gives its
    /// client 1 + 1 + (3 + 1) + (3 + 1) = 10 ≥ 9: the client is banned and may create no more contexts.
    /// </summary>
    [Fact]
    public void FourthFastHangOfAContextAddsTheBanScoreAgain()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);

        ForcedHang(dev, c, ctx, EngineId.Vcs0);
        ForcedHang(dev, c, ctx, EngineId.Vcs0);
        Assert.Equal(2, Client(dev, c).BanScore);

        // Hangs three and four: the context runs on two engines and both are reset by one error.
        using Spinner onRcs = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Rcs0 });
        using Spinner onBcs = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Bcs0 });
        dev.ForceReset(EngineId.Rcs0.Mask() | EngineId.Bcs0.Mask());
        AssertStatus(-Errno.EIO, onRcs.Fence, "spinner on rcs0");
        AssertStatus(-Errno.EIO, onBcs.Fence, "spinner on bcs0");
        WaitRecoveryIdle(dev);

        Assert.Equal(new ResetStats(0, 4, 0), Stats(dev, c, ctx));
        Assert.Equal(10, Client(dev, c).BanScore);
        Assert.True(Client(dev, c).IsBanned);
        Assert.Equal(-Errno.EIO, dev.CreateContext(c, out _));
    }

    /// <summary>A running spinner blamed by a forced reset of its engine (synchronous).</summary>
    private static void ForcedHang(GpuDevice dev, int client, int ctx, EngineId engine)
    {
        using Spinner spin = StartSpinner(dev, client, new SpinnerOptions { Context = ctx, Engine = engine });
        dev.ForceReset(engine.Mask());
        AssertStatus(-Errno.EIO, spin.Fence, "spinner blamed by the forced reset");
    }

    private static Client Client(GpuDevice dev, int client) => dev.Clients.Single(x => x.Id == client);
}
