using System.Diagnostics;
using System.Text;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using Driver.Reset.Events;
using Driver.Reset.Hangcheck;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>Hang detection as the engine's sysfs files set it (intel_engine_sysfs.c, intel_engine_heartbeat.c).</summary>
public class HeartbeatSysfsTests
{
    private static int Write(DrmHarness h, string path, string text) => h.Driver.WriteVirtualFile(path, Encoding.ASCII.GetBytes(text));

    [Fact]
    public void TheFinalHeartbeatPeriodIsTwiceThePreemptTimeoutSysfsSet()
    {
        // next_heartbeat: with the pulse at I915_PRIORITY_BARRIER and the interval at its default, the last period is
        // at least twice engine->props.preempt_timeout_ms — the engine's value now, as its sysfs file set it, not the
        // one the driver started with. reset=1 (full resets only, what igt_allow_hang sets without
        // HANG_WANT_ENGINE_RESET): execlists_reset needs intel_has_reset_engine, so an expired preempt timer resets
        // nothing and only the heartbeat's ladder finds the hang (i915_hangman@detector).
        using var h = DrmHarness.Fast();
        var preempt = TimeSpan.FromMilliseconds(300);
        Assert.Equal(1, Write(h, "debugfs/i915_params/reset", "1"));
        Assert.Equal(3, Write(h, "sysfs/engine/rcs0/preempt_timeout_ms", "300"));
        Assert.Equal(preempt, h.Dev.Gt[EngineId.Rcs0].PreemptTimeout);
        long barrierAt = 0;
        h.Dev.Heartbeat.PulseStep += (engine, priority) =>
        {
            if (engine == EngineId.Rcs0 && priority == PulsePriority.Barrier)
            {
                Interlocked.CompareExchange(ref barrierAt, Stopwatch.GetTimestamp(), 0);
            }
        };

        // A batch jumping to itself: no MI_ARB_CHECK, so no pulse ever gets in.
        uint batch = h.Create();
        h.Write(batch, 0, Mi.BatchBufferStart(0));
        ulong relocs = h.Caller.Put(Reloc(batch, 4));
        ArgBuffer a = Execbuf(h, FenceOut, 0, Object(batch, relocationCount: 1, relocs: relocs));
        Assert.Equal(0, h.Ioctl(Requests.Execbuffer2Wr, a));
        DmaFence hang = h.Fence((int)(a.U64(Rsvd2) >> 32));
        Assert.True(hang.Wait(Bound.Long), "the hang was not reset");
        Assert.Equal(-Errno.EIO, hang.Status);

        GpuEvent found = Assert.Single(h.Dev.Reset.Events.History, e => e.Kind == GpuEventKind.Error);
        Assert.Equal("stopped heartbeat on rcs0", found.Message);
        long barrier = Interlocked.Read(ref barrierAt);
        Assert.NotEqual(0, barrier);
        // A lower bound only: a loaded machine makes the report later, never earlier.
        TimeSpan finalPeriod = Stopwatch.GetElapsedTime(barrier, found.Timestamp);
        Assert.True(finalPeriod >= 2 * preempt, $"stopped heartbeat {finalPeriod.TotalMilliseconds} ms after the BARRIER pulse");
        Assert.Equal(0, h.Dev.Reset.TotalEngineResets);
    }
}
