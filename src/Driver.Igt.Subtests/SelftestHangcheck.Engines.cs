using System.Diagnostics;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

public sealed partial class SelftestHangcheck
{
    /// <summary>
    /// __igt_reset_engines(TEST_OTHERS | TEST_ACTIVE): each engine in turn is hung and reset over and over while
    /// threads keep every other engine busy. The hung request is -EIO and done within 200 ms of its reset; the
    /// target's reset count matches the resets made; no other engine was reset and no full reset happened; every
    /// request of the busy engines completed without error.
    /// </summary>
    private static void ResetEnginesOthersActive(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var hang = new SelftestHang(t, dev);
        foreach (EngineId e in EngineIds.All)
        {
            Engine engine = dev.Gt[e];
            int device = dev.Reset.ResetCount;
            t.AssertF(WaitForIdle(dev, e), $"i915_reset_engine({e.Name()}:others-active): failed to idle before reset");
            var before = EngineIds.All.ToDictionary(o => o, o => dev.Reset.EngineResetCount(o.Class()));
            var threads = EngineIds.All.Where(o => o != e).Select(o => (Engine: o, Thread: new ActiveEngine(t, dev, o))).ToList();
            Thread.Yield(); // start all threads before we begin
            dev.Heartbeat.SetInterval(e, TimeSpan.Zero);
            int count = 0;
            var sw = Stopwatch.StartNew();
            string? err = null;
            do
            {
                (DmaFence? rq, uint marker) = hang.Create(e);
                if (!hang.WaitUntilRunning(e, marker)) { err = $"Failed to start request {rq.Seqno}"; break; }
                if (!ResetEngine(dev, e, "selftest reset_engines")) { err = $"i915_reset_engine({e.Name()}:others-active): failed"; break; }
                count++;
                if (rq.Error != -Driver.Core.Errors.Errno.EIO) { err = $"i915_reset_engine({e.Name()}:others-active): failed to reset request {rq}"; break; }
                if (!rq.Wait(TimeSpan.FromMilliseconds(200))) { err = $"i915_reset_engine({e.Name()}:others-active): failed to complete request {rq} after reset"; break; }
                if (!WaitForIdle(dev, e)) { err = $"i915_reset_engine({e.Name()}:others-active): failed to idle after reset"; break; }
            } while (Loop(sw, count));
            dev.Heartbeat.SetInterval(e, dev.Config.Reset.HeartbeatInterval);
            t.Info($"i915_reset_engine({e.Name()}:others-active): {count} resets");
            int reported = dev.Reset.EngineResetCount(e.Class()) - before[e];
            foreach ((EngineId other, ActiveEngine? thread) in threads)
            {
                string? threadErr = thread.Stop();
                err ??= threadErr is null ? null : $"kthread for other engine {other.Name()} failed: {threadErr}";
                int innocent = dev.Reset.EngineResetCount(other.Class()) - before[other];
                if (innocent != 0)
                {
                    err ??= $"Innocent engine {other.Name()} was reset (count={innocent})";
                }
            }
            t.AssertF(err is null, err ?? "");
            t.AssertF(reported == count, $"i915_reset_engine({e.Name()}:others-active): reset {count} times, but reported {reported}");
            t.AssertF(dev.Reset.ResetCount == device, $"Global reset (count={dev.Reset.ResetCount - device})!");
            Flush(t, dev);
        }
        t.Assert(!dev.IsWedged);
        hang.End();
    }

    /// <summary>
    /// igt_reset_fail_engine: with an engine reset forced to fail, the engine keeps running; alternately failing and
    /// succeeding resets with a few requests queued each time never lose a request (each round's last completes
    /// within 500 ms).
    /// </summary>
    private static void ResetFailEngine(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        int batch = IgtGem.BatchEnd(t, dev, fd);
        foreach (EngineId e in EngineIds.All)
        {
            Engine engine = dev.Gt[e];
            int ctx = IgtGem.ContextCreate(t, dev, fd);
            // st_engine_heartbeat_disable's wakeref: an engine asleep is not reset (intel_engine_pm_get_if_awake).
            using EngineAwakeHold awake = engine.HoldAwake();
            dev.Heartbeat.SetInterval(e, TimeSpan.Zero);
            dev.Reset.Faults.FailEngineResets(1);
            bool ok = ResetEngine(dev, e, "selftest reset_fail_engine");
            t.AssertF(!ok, $"intel_engine_reset({e.Name()}) did not fail");
            int count = 0;
            var sw = Stopwatch.StartNew();
            do
            {
                t.AssertF(WaitForIdle(dev, e), $"{e.Name()} failed to idle before reset");
                DmaFence? last = null;
                for (int i = 0; i < count % 15; i++)
                {
                    last = Nop(t, dev, fd, ctx, e, batch);
                }

                if ((count & 1) != 0)
                {
                    t.AssertF(ResetEngine(dev, e, "selftest reset_fail_engine"), $"intel_engine_reset({e.Name()}) failed");
                }
                else
                {
                    dev.Reset.Faults.FailEngineResets(1);
                    t.AssertF(!ResetEngine(dev, e, "selftest reset_fail_engine"), $"intel_engine_reset({e.Name()}) did not fail");
                }
                if (last is not null)
                {
                    t.AssertF(last.Wait(TimeSpan.FromMilliseconds(500)), $"{e.Name()}: failed to complete request");
                }

                count++;
            } while (Loop(sw, count));
            t.Info($"igt_reset_fail_engine({e.Name()}): {count} resets");
            dev.Heartbeat.SetInterval(e, dev.Config.Reset.HeartbeatInterval);
            IgtGem.ContextDestroy(t, dev, fd, ctx);
            Flush(t, dev);
        }
    }
}
