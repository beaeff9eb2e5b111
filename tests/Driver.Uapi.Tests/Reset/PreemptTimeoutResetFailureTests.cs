using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Reset.Events;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// The preempt timeout (and the CS error interrupt) reset the engine straight from the submission tasklet:
/// execlists_submission_tasklet → execlists_reset(engine) → intel_engine_reset(engine, msg), whose result is not
/// looked at. Unlike intel_gt_handle_error (the heartbeat's path, debugfs), it has no fallback to a full reset: an
/// engine reset that fails there leaves the hog to the heartbeat, whose "stopped heartbeat" goes through
/// intel_gt_handle_error and tries the engine reset again. Work on the other engines is never touched.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class PreemptTimeoutResetFailureTests
{
    [Fact]
    public void AFailedPreemptTimeoutEngineResetDoesNotEscalateToAFullReset()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        // No heartbeat on rcs0: the other context's equal-priority work alone (its timeslice) arms the preempt timer,
        // so the first reset attempt is the preempt timeout's.
        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.Zero));
        int hogClient = OpenClient(dev);
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        int innocentCtx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        using Spinner innocent = StartSpinner(dev, c, new SpinnerOptions { Context = innocentCtx, Engine = EngineId.Bcs0 });
        dev.Reset.Faults.FailEngineResets(1);

        using Spinner hog = StartSpinner(dev, hogClient, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        DmaFence work = stores.Store(ctx, EngineId.Rcs0, target.Slot(0), 0x600d);

        Poll.Until(() => dev.Reset.Events.Count(GpuEventKind.ResetFailed) == 1, "the preempt timeout's engine reset to fail");
        WaitRecoveryIdle(dev);
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.FullReset));
        Assert.False(innocent.Fence.IsSignaled);
        Assert.Equal(0, innocent.Fence.Error);

        // The heartbeat back on rcs0: its ladder ends in "stopped heartbeat", and intel_gt_handle_error resets rcs0
        // again, this time successfully.
        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, dev.Config.Reset.HeartbeatInterval));
        AssertStatus(-Errno.EIO, hog.Fence, "non-preemptible hog");
        AssertStatus(1, work, "the other context's work behind the hog");
        WaitRecoveryIdle(dev);
        Assert.Equal(0x600du, target[0]);
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(2, dev.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, c, innocentCtx));
        innocent.End();
        AssertStatus(1, innocent.Fence, "spinner on bcs0, untouched");
    }
}
