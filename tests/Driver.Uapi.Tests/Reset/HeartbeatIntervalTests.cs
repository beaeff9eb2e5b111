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
}
