using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Reset.Events;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Per-engine reset (selftest_hangcheck reset_*_engine, i915_hangman engine-hang): only the hung engine is reset,
/// only its started active request is guilty, everything else completes normally.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class EngineResetTests
{
    [Fact]
    public void HeartbeatResetsOnlyTheHungEngineAndBlamesOnlyTheSpinner()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int guilty = OpenClient(dev);
        int innocent = OpenClient(dev);
        int innocentCtx = CreateContext(dev, innocent);
        var target = new TargetBuffer(dev, innocent);
        var stores = new StoreBatches(dev, innocent);

        // Background work on other engines that must ride through the hang untouched.
        using Spinner bcs = StartSpinner(dev, innocent, new SpinnerOptions { Context = innocentCtx, Engine = EngineId.Bcs0 });
        using Spinner vcs = StartSpinner(dev, innocent, new SpinnerOptions { Context = innocentCtx, Engine = EngineId.Vcs0 });
        using Spinner hang = StartSpinner(dev, guilty, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        DmaFence behind = stores.Store(innocentCtx, EngineId.Rcs0, target.Slot(0), 0x1111);
        DmaFence elsewhere = stores.Store(innocentCtx, EngineId.Vecs0, target.Slot(1), 0x2222);

        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        AssertStatus(1, behind, "request queued behind the hang");
        AssertStatus(1, elsewhere, "request on another engine");
        WaitRecoveryIdle(dev);
        Assert.Equal(0x1111u, target[0]);
        Assert.Equal(0x2222u, target[1]);

        Assert.False(bcs.Fence.IsSignaled, "bcs0 spinner was disturbed by the rcs0 reset");
        Assert.False(vcs.Fence.IsSignaled, "vcs0 spinner was disturbed by the rcs0 reset");
        bcs.End();
        vcs.End();
        AssertStatus(1, bcs.Fence, "bcs0 spinner");
        AssertStatus(1, vcs.Fence, "vcs0 spinner");

        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(0, OtherEngineResets(dev, EngineClass.Render));
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Reset.FailedResets);
        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, guilty, 0));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, innocent, innocentCtx));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, innocent, 0));
    }

    [Fact]
    public void ForcedResetOfAnIdleEngineIsHandledWithoutAResetAndTheEngineStillWorks()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);

        dev.ForceReset(EngineId.Vecs0.Mask());

        // __intel_engine_reset_bh: an engine asleep (intel_engine_pm_get_if_awake fails) is neither reset nor counted,
        // and the error counts as handled: no full reset either. The error itself is still raised and logged.
        Assert.Equal(0, dev.Reset.EngineResetCount(EngineClass.VideoEnhance));
        Assert.Equal(0, OtherEngineResets(dev, EngineClass.VideoEnhance));
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.Error));
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.EngineReset));
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.FullReset));
        AssertStatus(1, stores.Store(0, EngineId.Vecs0, target.Slot(0), 0xAB));
        Assert.Equal(0xABu, target[0]);
    }

    [Fact]
    public void ForcedResetOfABusyEngineBlamesTheActiveRequestAndReplaysTheQueue()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int busyCtx = CreateContext(dev, c);
        int queuedCtx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        // The spinner must be the active request when the reset comes: no timeslice lets the queued store in first
        // (with one, whichever runs at that moment is the one blamed, as on i915).
        Assert.Equal(0, dev.SetTimesliceDuration(EngineId.Ccs0, TimeSpan.Zero));
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Context = busyCtx, Engine = EngineId.Ccs0 });
        DmaFence queued = stores.Store(queuedCtx, EngineId.Ccs0, target.Slot(0), 0x5151);

        dev.ForceReset(EngineId.Ccs0.Mask());

        AssertStatus(-Errno.EIO, spin.Fence, "active spinner");
        AssertStatus(1, queued, "queued store");
        Assert.Equal(0x5151u, target[0]);
        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Compute));
        Assert.Equal(0, OtherEngineResets(dev, EngineClass.Compute));
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, c, busyCtx));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, c, queuedCtx));
    }

    [Fact]
    public void PreemptibleSpinnerSurvivesHeartbeatsAndCompletesWhenEnded()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Bcs0 });

        // Every pulse preempts the spinner at its arbitration point and completes; several must go by.
        long pulses = dev.Heartbeat.Pulses;
        Poll.Until(() => dev.Heartbeat.Pulses >= pulses + 4, "four heartbeat pulses");

        Assert.False(spin.Fence.IsSignaled);
        spin.End();
        AssertStatus(1, spin.Fence);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Heartbeat.HangsReported);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.Error));
    }

    [Fact]
    public void PreemptibleSpinnerIsNotBlamedWhileItsEngineThreadCannotRun()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Bcs0 });
        // A clock made of heartbeats on another engine.
        using Spinner clock = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Vcs0 });
        // Wait until bcs0 has a pulse pending, then stop its thread as a starved host thread would be stopped: it
        // cannot take the preemption, but it is not refusing it either.
        long pulses = dev.Heartbeat.Pulses;
        Poll.Until(() => dev.Heartbeat.Pulses >= pulses + 2, "the first heartbeats");
        Engine bcs = dev.Gt[EngineId.Bcs0];
        Assert.True(bcs.Park(Bound.Long));
        try
        {
            pulses = dev.Heartbeat.Pulses;
            // Eight intervals: far past the preempt timeout and the priority ladder.
            Poll.Until(() => dev.Heartbeat.Pulses >= pulses + 8, "eight vcs0 heartbeats");
        }
        finally
        {
            bcs.Unpark();
        }
        pulses = dev.Heartbeat.Pulses;
        Poll.Until(() => dev.Heartbeat.Pulses >= pulses + 3, "three more heartbeats");

        Assert.False(spin.Fence.IsSignaled, "the preemptible spinner was reset");
        Assert.Equal(0L, dev.Heartbeat.HangsReported);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        spin.End();
        clock.End();
        AssertStatus(1, spin.Fence, "bcs0 spinner");
        AssertStatus(1, clock.Fence, "vcs0 spinner");
    }

    [Fact]
    public void InvalidInstructionIsResetAtOnceWithoutTheHeartbeat()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        // No heartbeat on vcs0 (and the other engines stay idle): only the fault interrupt can start this reset.
        dev.Heartbeat.SetInterval(EngineId.Vcs0, TimeSpan.Zero);

        using var spin = Spinner.Start(dev, c, new SpinnerOptions { Engine = EngineId.Vcs0, InvalidCs = true });
        DmaFence behind = stores.Store(0, EngineId.Vcs0, target.Slot(0), 0x7777);

        AssertStatus(-Errno.EIO, spin.Fence, "faulting spinner");
        AssertStatus(1, behind, "request behind the fault");
        WaitRecoveryIdle(dev);
        Assert.Equal(0x7777u, target[0]);
        Assert.Equal(0L, dev.Heartbeat.Pulses);
        Assert.Equal(1L, dev.Heartbeat.HangsReported);
        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Video));
        Assert.Equal(0, OtherEngineResets(dev, EngineClass.Video));
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, c, 0));
    }
}
