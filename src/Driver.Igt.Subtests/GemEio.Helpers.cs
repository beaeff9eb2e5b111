using System.Diagnostics;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

public sealed partial class GemEio
{
    /// <summary>
    /// Room for the host on IGT's bounds on recovery (<see cref="RecoveryLimit"/>). In the kernel a reset runs as soon
    /// as it is asked for; here every step of it (parking each engine thread, waking each waiter) waits for the host to
    /// schedule a driver thread, and a loaded 2-core machine adds up to seconds to a reset that is not slow at all.
    /// </summary>
    private const double HostAllowance = 2.5;

    /// <summary>
    /// IGT's bound of <paramref name="seconds"/> on the driver's recovery, widened by <see cref="HostAllowance"/>. What
    /// the bounds are there to catch still shows: a waiter nobody woke sleeps until its own bound,
    /// <see cref="IgtTime.Forever"/> (10 s, above every widened wake-up bound), and a reset stuck past its watchdog
    /// wedges the device, which the callers assert against.
    /// </summary>
    private static TimeSpan RecoveryLimit(double seconds) => IgtTime.Limit(seconds * HostAllowance);

    /// <summary>Writing -1 to debugfs i915_wedged: recovery of every engine, or a wedge when resets are disabled.</summary>
    private static void ManualHang(GpuDevice dev) =>
        dev.ForceReset(EngineIds.AllMask, "Manually set wedged engine mask = ffffffffffffffff");

    /// <summary>wedge_gpu: idle the GPU, disable resets, hang it by hand (it wedges), re-enable resets.</summary>
    private static void WedgeGpu(IgtContext t)
    {
        GpuDevice dev = t.Device;
        IgtGem.Quiescent(t, dev);
        t.Require(dev.SetResetParam(0) == 0);
        ManualHang(dev);
        t.Assert(dev.IsWedged);
        t.Assert(dev.SetResetParam(2) == 0);
    }

    /// <summary>trigger_reset: a forced reset brings the GPU back within 2 s, healthy within 10 s (IGT's bounds, widened by <see cref="RecoveryLimit"/>).</summary>
    private static void TriggerReset(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var sw = Stopwatch.StartNew();
        t.Debug("Forcing GPU reset");
        dev.ForceReset(EngineIds.AllMask, "Manually reset engine mask = ffffffffffffffff");
        t.Assert(!dev.IsWedged);
        t.AssertLte((long)sw.Elapsed.TotalMilliseconds, (long)RecoveryLimit(2).TotalMilliseconds);
        // And just check the gpu is indeed running again.
        t.Debug("Checking that the GPU recovered");
        IgtGem.TestAllEngines(t, dev);
        IgtGem.Quiescent(t, dev);
        // We expect the health check to be quick!
        t.AssertLte((long)sw.Elapsed.TotalMilliseconds, (long)RecoveryLimit(10).TotalMilliseconds);
    }

    /// <summary>spin_sync: a started, non-preemptible spinner exporting its fence.</summary>
    private static Spinner SpinSync(IgtContext t, GpuDevice dev, int fd, int ctx, EngineId engine) =>
        IgtSpin.Sync(t, dev, fd, new SpinnerOptions { Context = ctx, Engine = engine, NoPreemption = true, FenceOut = true });

    /// <summary>
    /// check_wait: hang the GPU by hand now or after <paramref name="us"/> µs (scaled) from another thread, while
    /// this one waits on <paramref name="handle"/>; the wait must return. The wake-up time goes into <paramref name="stats"/>.
    /// </summary>
    private static void CheckWait(IgtContext t, GpuDevice dev, int fd, int handle, double us, IgtStats? stats)
    {
        long start;
        IgtHangTimer? timer = null;
        if (us > 0)
        {
            timer = new IgtHangTimer(IgtTime.Us(us), () => ManualHang(dev));
            start = 0;
        }
        else
        {
            start = Stopwatch.GetTimestamp();
            ManualHang(dev);
        }
        IgtGem.Sync(t, dev, fd, handle);
        long end = Stopwatch.GetTimestamp();
        if (timer is not null)
        {
            t.Assert(timer.Join(IgtTime.Forever));
            start = timer.FiredAt;
            t.Debug($"hang delay = {IgtTime.Us(us).TotalMicroseconds:F2}us");
        }
        stats?.Push(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds * 1e6);
    }

    /// <summary>
    /// check_wait_elapsed: prints the wake-up statistics and checks them against IGT's limits (a median of 250 ms, a
    /// maximum of five times that), widened by <see cref="RecoveryLimit"/>: the maximum, 3.1 s, stays below the
    /// 10 s a waiter nobody woke would take.
    /// </summary>
    private static void CheckWaitElapsed(IgtContext t, string prefix, IgtStats st)
    {
        t.Info($"{prefix}: completed {st.Count} resets, wakeups took {st.Mean * 1e-6:F3}+-{st.StdDev * 1e-6:F3}ms " +
               $"(min:{st.Min * 1e-6:F3}ms, median:{st.Median * 1e-6:F3}ms, max:{st.Max * 1e-6:F3}ms)");
        const int Needed = 9;
        t.RequireF(st.Count >= Needed, $"at least {Needed} completed resets are Needed for stable median calculation, {st.Count} is too few");
        double limit = RecoveryLimit(0.250).TotalMilliseconds * 1e6;
        t.AssertF(st.Median < limit && st.Max < 5 * limit,
            $"Wake up following reset+wedge took {st.Mean * 1e-6:F3}+-{st.StdDev * 1e-6:F3}ms (min:{st.Min * 1e-6:F3}ms, " +
            $"median:{st.Median * 1e-6:F3}ms, max:{st.Max * 1e-6:F3}ms); limit set to {limit * 1e-6:F0}ms on average and {limit * 5e-6:F0}ms maximum");
    }
}
