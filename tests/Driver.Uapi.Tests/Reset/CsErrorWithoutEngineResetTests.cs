using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// A command streamer error with engine reset unavailable (i915.reset &lt; 2). execlists_reset, which the CS error
/// interrupt's tasklet calls, only resets engines and returns at once without intel_has_reset_engine: the engine
/// stays stopped at the fault, its request active and its object busy (gem_eio@banned and @in-flight-* check busy
/// after their INVALID_CS spinner has started), until the heartbeat escalates: a full reset with reset=1, a wedge
/// with reset=0 (intel_gt_reset: no intel_has_gpu_reset → intel_gt_set_wedged).
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class CsErrorWithoutEngineResetTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void CsErrorIsLeftToTheHeartbeatWithoutEngineReset(int resetParam)
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        Assert.Equal(0, dev.SetResetParam(resetParam));
        int c = OpenClient(dev);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        // No heartbeat on vcs0 yet: whatever recovers the fault now can only come from the error interrupt.
        dev.Heartbeat.SetInterval(EngineId.Vcs0, TimeSpan.Zero);
        Engine vcs = t.Engine(EngineId.Vcs0);

        using var spin = Spinner.Start(dev, c, new SpinnerOptions { Engine = EngineId.Vcs0, InvalidCs = true });
        DmaFence behind = stores.Store(0, EngineId.Vcs0, target.Slot(0), 0x7777);
        // Faulted and then asleep in the stall (a dozing engine counts as parked): the interrupt handler has returned.
        Poll.Until(() => vcs.Faults == 1 && vcs.IsParked, "vcs0 to stop at the invalid instruction");
        WaitRecoveryIdle(dev);

        // execlists_reset: !intel_has_reset_engine(gt) → return: no hang reported, nothing reset, the request active.
        Assert.Equal(0L, dev.Heartbeat.HangsReported);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.False(dev.IsWedged);
        Assert.False(spin.Fence.IsSignaled, "the faulted spinner was retired without a reset");
        Assert.False(behind.IsSignaled, "the request behind the fault ran past a stopped engine");
        Assert.NotNull(vcs.Active);
        Assert.True(vcs.IsBusy);

        // The heartbeat finds the stopped engine and escalates (heartbeat → reset_engine → intel_gt_handle_error).
        dev.Heartbeat.SetInterval(EngineId.Vcs0, dev.Reset.Config.HeartbeatInterval);
        AssertStatus(-Errno.EIO, spin.Fence, "faulted spinner");
        WaitRecoveryIdle(dev);
        Assert.Equal(1L, dev.Heartbeat.HangsReported);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        if (resetParam == 1)
        {
            // intel_gt_reset_global: the full reset blames the active request and replays the one behind it.
            AssertStatus(1, behind, "request behind the fault");
            Assert.Equal(0x7777u, target[0]);
            Assert.Equal(1, dev.Reset.ResetCount);
            Assert.False(dev.IsWedged);
            Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, c, 0));
        }
        else
        {
            // No reset at all: the only recovery is a wedge, which fails everything in flight.
            AssertStatus(-Errno.EIO, behind, "request behind the fault");
            Assert.Equal(0u, target[0]);
            Assert.True(dev.IsWedged);
        }
    }
}
