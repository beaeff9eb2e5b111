using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Reset.Recovery;
using Driver.Testing.Gt;

namespace Driver.Reset.Tests.Recovery;

/// <summary>
/// get_reset_domain: from gen 12.50 every CCS is in the render engine's reset domain (GEN11_GRDOM_RENDER), so an
/// engine reset of rcs0 or ccs0 resets both. The sibling's running context is judged as the GuC backend judges it
/// (guc_handle_context_reset → __guc_reset_context(ce, stalled = true)): its started active request guilty (-EIO),
/// its context's guilty count raised, an engine reset of its class counted. Engines outside the domain are untouched.
/// </summary>
public class SharedResetDomainTests
{
    private sealed record Spinning(GpuContext Context, ResetRig.Spinner Spinner);

    private static Spinning SpinIn(ResetRig rig, EngineId engine)
    {
        GpuContext ctx = rig.Harness.Client.CreateContext();
        return new Spinning(ctx, rig.Spin(engine, ctx));
    }

    private static void AssertHungGuilty(Spinning s)
    {
        Assert.True(s.Spinner.Request.Wait(Bound.Long), $"{s.Spinner.Request} never signalled");
        Assert.Equal(-Errno.EIO, s.Spinner.Request.Status);
        Assert.Equal(1, s.Context.GuiltyCount);
        Assert.Equal(0, s.Context.InnocentCount);
    }

    private static void AssertUntouchedThenEnds(Spinning s)
    {
        Assert.False(s.Spinner.Request.IsSignaled, $"{s.Spinner.Request} was cut short by a reset of another domain");
        Assert.Equal(0, s.Context.GuiltyCount);
        Assert.Equal(0, s.Context.InnocentCount);
        s.Spinner.End();
        Assert.True(s.Spinner.Request.Wait(Bound.Long), $"{s.Spinner.Request} never ended");
        Assert.Equal(1, s.Spinner.Request.Status);
    }

    [Theory]
    [InlineData(EngineId.Ccs0, EngineId.Rcs0)]
    [InlineData(EngineId.Rcs0, EngineId.Ccs0)]
    public void AnEngineResetInTheRenderComputeDomainMakesTheSiblingsRunningContextGuilty(EngineId hung, EngineId sibling)
    {
        using var rig = new ResetRig(sharedResetDomain: ResetConfig.RenderComputeDomain);
        Spinning onHung = SpinIn(rig, hung);
        Spinning onSibling = SpinIn(rig, sibling);
        Spinning onBlt = SpinIn(rig, EngineId.Bcs0);

        rig.Reset.HandleError(hung.Mask(), ErrorFlags.None, "test: hung spinner");

        AssertHungGuilty(onHung);
        // __guc_reset_context(ce, stalled = true) on the sibling's notified context: guilty as well.
        AssertHungGuilty(onSibling);
        // One engine reset counted per reset context (capture_error_state), none of them a full reset.
        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Compute));
        Assert.Equal(0, rig.Reset.EngineResetCount(EngineClass.Copy));
        Assert.Equal(0, rig.Reset.ResetCount);
        Assert.Equal(0, rig.Reset.FailedResets);
        AssertUntouchedThenEnds(onBlt);

        // Both engines of the domain run again after it.
        Request after = rig.Nop(sibling);
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(1, after.Status);
    }

    [Fact]
    public void OnAPartWhoseEnginesResetAloneAComputeResetLeavesRenderRunning()
    {
        // gen 12.0 (Tiger Lake): each engine its own domain, the default.
        using var rig = new ResetRig();
        Spinning onCompute = SpinIn(rig, EngineId.Ccs0);
        Spinning onRender = SpinIn(rig, EngineId.Rcs0);

        rig.Reset.HandleError(EngineId.Ccs0.Mask(), ErrorFlags.None, "test: hung spinner");

        AssertHungGuilty(onCompute);
        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Compute));
        Assert.Equal(0, rig.Reset.EngineResetCount(EngineClass.Render));
        AssertUntouchedThenEnds(onRender);
    }

    [Fact]
    public void AnIdleSiblingIsResetWithoutACountAndItsQueuedWorkRunsAfterwards()
    {
        using var rig = new ResetRig(sharedResetDomain: ResetConfig.RenderComputeDomain);
        Spinning onRender = SpinIn(rig, EngineId.Rcs0);

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hung spinner");

        AssertHungGuilty(onRender);
        // The GuC notifies only the contexts it was running: an idle ccs0 has none, so no reset of its class counts.
        Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(0, rig.Reset.EngineResetCount(EngineClass.Compute));
        Request after = rig.Nop(EngineId.Ccs0);
        Assert.True(after.Wait(Bound.Long));
        Assert.Equal(1, after.Status);
    }

    [Fact]
    public void TheSiblingsRequestsQueuedBehindItsRunningOneAreReplayedNotJudged()
    {
        using var rig = new ResetRig(sharedResetDomain: ResetConfig.RenderComputeDomain);
        // The spinner keeps ccs0 (no timeslice): the later request must still be queued at the reset.
        rig[EngineId.Ccs0].TimesliceDuration = TimeSpan.Zero;
        Spinning onCompute = SpinIn(rig, EngineId.Ccs0);
        GpuContext other = rig.Harness.Client.CreateContext();
        TestBuffer target = rig.Harness.NewBuffer();
        Request queued = rig.Harness.Submit(new BatchBuilder().StoreDword(target.At(0), 0xc0ffee).End(), EngineId.Ccs0, other);
        Spinning onRender = SpinIn(rig, EngineId.Rcs0);

        rig.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "test: hung spinner");

        AssertHungGuilty(onRender);
        AssertHungGuilty(onCompute);
        Assert.True(queued.Wait(Bound.Long));
        Assert.Equal(1, queued.Status);
        Assert.Equal(0xc0ffeeu, target[0]);
        Assert.Equal(0, other.GuiltyCount);
        Assert.Equal(0, other.InnocentCount);
    }

    [Fact]
    public void ASiblingWhoseResetBitIsHeldIsLeftToItsHolder()
    {
        using var rig = new ResetRig(sharedResetDomain: ResetConfig.RenderComputeDomain);
        Spinning onCompute = SpinIn(rig, EngineId.Ccs0);
        Spinning onRender = SpinIn(rig, EngineId.Rcs0);

        // Another reset of rcs0 is under way (its holder resets the domain itself): this one must not wait for it,
        // nor rewind rcs0 behind its back.
        using (rig.Reset.EngineResetLock(EngineId.Rcs0))
        {
            rig.Reset.HandleError(EngineId.Ccs0.Mask(), ErrorFlags.None, "test: hung spinner");

            AssertHungGuilty(onCompute);
            Assert.Equal(1, rig.Reset.EngineResetCount(EngineClass.Compute));
            Assert.Equal(0, rig.Reset.EngineResetCount(EngineClass.Render));
            Assert.False(onRender.Spinner.Request.IsSignaled);
        }

        AssertUntouchedThenEnds(onRender);
    }

    [Fact]
    public void ADomainThatDoesNotStopWholeIsNotResetAndTheEnginesThatStoppedRunOn()
    {
        using var rig = new ResetRig(sharedResetDomain: ResetConfig.RenderComputeDomain);
        Spinning onCompute = SpinIn(rig, EngineId.Ccs0);
        Spinning onRender = SpinIn(rig, EngineId.Rcs0);
        ManualResetEventSlim hold = rig.Hold(EngineId.Rcs0);

        bool reset;
        using (rig.Reset.EngineResetLock(EngineId.Ccs0))
        {
            reset = rig.Reset.ResetEngine(rig[EngineId.Ccs0], "test: hung spinner");
        }

        Assert.False(reset);
        Assert.Equal(1, rig.Reset.FailedResets);
        Assert.Equal(0, rig.Reset.TotalEngineResets);
        rig.Release(EngineId.Rcs0, hold);
        // Nothing was judged: ccs0 resumed its spinner, and both end normally.
        AssertUntouchedThenEnds(onCompute);
        AssertUntouchedThenEnds(onRender);
    }
}
