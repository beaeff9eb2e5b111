using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Reset.Events;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// The per-engine heartbeat interval (sysfs heartbeat_interval_ms): zero turns hang detection off on that engine
/// only.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class HeartbeatIntervalTests
{
    [Fact]
    public void ZeroIntervalLetsANonPreemptibleSpinnerRunOnThatEngine()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        dev.Heartbeat.SetInterval(EngineId.Rcs0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, dev.Heartbeat.GetInterval(EngineId.Rcs0));

        using Spinner hang = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        // A clock made of heartbeats: bcs0 stays busy with a preemptible spinner, so it gets one pulse per interval.
        // Ten intervals are well past the three or four a hang on a watched engine takes to be found and reset.
        using Spinner clock = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Bcs0 });
        long pulses = dev.Heartbeat.Pulses;
        Poll.Until(() => dev.Heartbeat.Pulses >= pulses + 10, "ten bcs0 heartbeats", () =>
            $"pulses {dev.Heartbeat.Pulses - pulses}, bcs0 spinner {clock.Fence}, rcs0 spinner {hang.Fence}, " +
            $"hangs reported {dev.Heartbeat.HangsReported}, engine resets {dev.Reset.TotalEngineResets}");

        Assert.False(hang.Fence.IsSignaled, "the spinner on the engine without heartbeat was stopped");
        Assert.Equal(0L, dev.Heartbeat.HangsReported);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.Error));

        hang.End();
        clock.End();
        AssertStatus(1, hang.Fence, "spinner on the engine without heartbeat");
        AssertStatus(1, clock.Fence, "bcs0 spinner");
    }

    [Fact]
    public void ChangingTheIntervalPulsesTheEngineAndANonPreemptibleHogIsReset()
    {
        // intel_engine_set_heartbeat: a changed interval "rechecks current execution" with __intel_engine_pulse, a
        // kernel request at BARRIER priority. A hog that cannot yield to it meets the engine's preempt timer and is
        // reset (execlists_reset), even though the new interval is far too long for the heartbeat to get there.
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.FromHours(1)));
        using Spinner hog = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        long pulses = dev.Heartbeat.Pulses;

        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.FromHours(2)));

        AssertStatus(-Errno.EIO, hog.Fence, "the hog running when the interval changed");
        WaitRecoveryIdle(dev);
        Assert.Equal(1, dev.Reset.EngineResetCount(EngineClass.Render));
        Assert.Equal(0, dev.Reset.ResetCount);
        Assert.True(dev.Heartbeat.Pulses > pulses, "no pulse was sent for the new interval");
        Assert.Equal(TimeSpan.FromHours(2), dev.Heartbeat.GetInterval(EngineId.Rcs0));

        // The same interval again changes nothing: no pulse (set_heartbeat only when delay differs).
        Poll.Until(() => !dev.Gt[EngineId.Rcs0].IsBusy, "rcs0 to go idle");
        long before = dev.Heartbeat.Pulses;
        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.FromHours(2)));
        Poll.Until(HeartbeatSweptAfter(dev, TimeSpan.Zero), "the heartbeat to sweep");
        Assert.Equal(before, dev.Heartbeat.Pulses);
    }

    [Fact]
    public void TheIntervalWritesPulseIsSubmittedBeforeTheWriteReturns()
    {
        // intel_engine_set_heartbeat sends its pulse inside the sysfs write: a hog the writer starts next queues
        // behind it, so the pulse ran on the idle engine and nothing is left to preempt the hog. IGT's
        // gem_engine_properties_configure is followed at once by the hang it configures for (gem_exec_capture@pi:
        // a pulse sent a heartbeat tick later found the hog running and reset it within one preempt timeout).
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        long pulses = dev.Heartbeat.Pulses;

        Assert.Equal(0, dev.SetHeartbeatInterval(EngineId.Rcs0, TimeSpan.FromHours(1)));
        Assert.Equal(pulses + 1, dev.Heartbeat.Pulses);
        using Spinner hog = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        // Twenty preempt timeouts (10 ms on this device) of heartbeat sweeps: a pulse behind the hog would have reset it.
        Poll.Until(HeartbeatSweptAfter(dev, TimeSpan.FromMilliseconds(200)), "the heartbeat to sweep past twenty preempt timeouts");
        WaitRecoveryIdle(dev);

        Assert.False(hog.Fence.IsSignaled, $"the hog started after the write was reset: {hog.Fence}");
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        hog.End();
        AssertStatus(1, hog.Fence, "the hog");
    }

    [Fact]
    public void EnableHangcheckOffStopsTheHeartbeatFromDeclaringAHang()
    {
        // heartbeat(): "if (!engine->i915->params.enable_hangcheck || !next_heartbeat(engine))" drops the systole and
        // does not re-arm: with i915.enable_hangcheck=N written at run time the pulse never climbs its ladder, so a
        // non-preemptible hog is not reset for "stopped heartbeat" (IGT sysfs_preempt_timeout@off turns hangcheck off
        // this way, with preempt_timeout_ms 0, and expects the hog to live for 150 s).
        using var t = TestDevice.Fast(reset: r => r with { HeartbeatInterval = TimeSpan.FromMilliseconds(20), PreemptTimeout = TimeSpan.Zero });
        GpuDevice dev = t.Dev;
        dev.EnableHangcheck = false;
        int c = OpenClient(dev);

        using Spinner hog = StartSpinner(dev, c, new SpinnerOptions { Engine = EngineId.Rcs0, NoPreemption = true });
        // Twenty intervals: far past the four or five the ladder takes to reset a hog with hangcheck on.
        Poll.Until(HeartbeatSweptAfter(dev, TimeSpan.FromMilliseconds(400)), "the heartbeat to sweep past twenty intervals");
        WaitRecoveryIdle(dev);

        Assert.False(hog.Fence.IsSignaled, $"the hog was stopped with enable_hangcheck off (status {hog.Fence.Status})");
        Assert.Equal(0L, dev.Heartbeat.HangsReported);
        Assert.Equal(0, dev.Reset.TotalEngineResets);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.Error));
        hog.End();
        AssertStatus(1, hog.Fence, "the hog, ended by the CPU");
    }
}
