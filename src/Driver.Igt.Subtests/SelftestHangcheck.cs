using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Igt.Lib;
using Driver.Reset.Recovery;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// The kernel's live selftests of gt/selftest_hangcheck.c, run against the simulator's reset internals: a full
/// reset bumps the global reset count by exactly one; an engine reset bumps only that engine's count, never the
/// global one, and leaves the other engines alone; the hung request is guilty and the one queued behind it is not;
/// a reset wakes a waiter; a failing engine reset is survived; a reset unwedges. Loops run for 500 ms (scaled);
/// the completion bounds are the kernel's. The multi-engine and failure subtests are in SelftestHangcheck.Engines.cs.
/// </summary>
public sealed partial class SelftestHangcheck : IIgtBinary
{
    private const IgtExpectations Expect = IgtExpectations.Hang;

    /// <summary>IGT_TIMEOUT: how long each loop runs (the selftests' 500 ms, scaled); loops are also bounded in count.</summary>
    private static readonly TimeSpan s_loopTime = IgtTime.Ms(500);

    /// <summary>Iterations a loop makes at most.</summary>
    private const int LoopCount = 32;

    /// <summary>IGT_IDLE_TIMEOUT: how long an engine may take to go idle.</summary>
    private static readonly TimeSpan s_idleTimeout = TimeSpan.FromMilliseconds(50);

    /// <inheritdoc/>
    public string Name => "selftest_hangcheck";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("reset-nop", ResetNop, Expect, "Full resets during non-user portions of requests are counted exactly");
        b.Subtest("reset-idle-engine", t => ResetEngineLoop(t, active: false), Expect, "Engine resets of an idle engine bump only its count");
        b.Subtest("reset-active-engine", t => ResetEngineLoop(t, active: true), Expect, "Engine resets of a hung engine bump only its count");
        b.Subtest("reset-engines-others-active", ResetEnginesOthersActive, Expect, "Resetting one engine does not disturb busy others");
        b.Subtest("reset-queue", ResetQueue, Expect, "The hung request is guilty, the one queued behind it innocent");
        b.Subtest("reset-wait", ResetWait, Expect, "A reset wakes the waiter of a stuck request");
        b.Subtest("handle-error", HandleError, Expect, "intel_gt_handle_error identifies the guilty request");
        b.Subtest("reset-fail-engine", ResetFailEngine, Expect | IgtExpectations.ResetFailure, "Engine reset failures are survived");
        b.Subtest("wedged-reset", WedgedReset, Expect | IgtExpectations.Wedge, "A full reset unwedges a wedged GPU");
    }

    private static bool Loop(Stopwatch sw, int count) => sw.Elapsed < s_loopTime && count < LoopCount;

    /// <summary>wait_for_idle.</summary>
    private static bool WaitForIdle(GpuDevice dev, EngineId e)
    {
        var sw = Stopwatch.StartNew();
        while (dev.Gt[e].IsBusy)
        {
            if (sw.Elapsed > s_idleTimeout)
            {
                return false;
            }

            Thread.Yield();
        }
        return true;
    }

    /// <summary>igt_flush_test: everything submitted completes.</summary>
    private static void Flush(IgtContext t, GpuDevice dev) => IgtGem.Quiescent(t, dev);

    private static void ResetNop(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        int batch = IgtGem.BatchEnd(t, dev, fd);
        int resetCount = dev.Reset.ResetCount, count = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            foreach (EngineId e in EngineIds.All)
            {
                int ctx = IgtGem.ContextCreate(t, dev, fd);
                for (int i = 0; i < 16; i++)
                {
                    IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Context = ctx, Engine = (int)e, BatchHandle = batch });
                }

                IgtGem.ContextDestroy(t, dev, fd, ctx);
            }
            using (dev.Reset.ResetGlobalLock())
            {
                dev.Reset.ResetFull(EngineIds.AllMask, "selftest reset_nop");
            }
            t.Assert(!dev.IsWedged);
            t.AssertF(dev.Reset.ResetCount == resetCount + ++count, "Full GPU reset not recorded!");
            Flush(t, dev);
        } while (Loop(sw, count));
        t.Info($"igt_reset_nop: {count} resets");
    }

    /// <summary>__igt_reset_engine: resets of one engine, idle or hung, with its heartbeat off.</summary>
    private static void ResetEngineLoop(IgtContext t, bool active)
    {
        GpuDevice dev = t.Device;
        SelftestHang? hang = active ? new SelftestHang(t, dev) : null;
        foreach (EngineId e in EngineIds.All)
        {
            Engine engine = dev.Gt[e];
            t.AssertF(WaitForIdle(dev, e), $"{e.Name()} failed to idle before reset");
            // st_engine_heartbeat_disable's wakeref: an engine asleep is not reset (intel_engine_pm_get_if_awake).
            using EngineAwakeHold awake = engine.HoldAwake();
            int resetCount = dev.Reset.ResetCount;
            int engineCount = dev.Reset.EngineResetCount(e.Class());
            dev.Heartbeat.SetInterval(e, TimeSpan.Zero);
            int count = 0;
            var sw = Stopwatch.StartNew();
            do
            {
                if (hang is not null)
                {
                    (DmaFence? rq, uint marker) = hang.Create(e);
                    t.AssertF(hang.WaitUntilRunning(e, marker), $"Failed to start request {rq.Seqno}");
                }
                t.AssertF(ResetEngine(dev, e, "selftest"), $"intel_engine_reset({e.Name()}) failed");
                t.AssertF(dev.Reset.ResetCount == resetCount, "Full GPU reset recorded! (engine reset expected)");
                t.AssertF(dev.Reset.EngineResetCount(e.Class()) == ++engineCount, $"{e.Name()} engine reset not recorded!");
                count++;
            } while (Loop(sw, count));
            dev.Heartbeat.SetInterval(e, dev.Config.Reset.HeartbeatInterval);
            t.Info($"{e.Name()}: Completed {count} {(active ? "active" : "idle")} resets");
            Flush(t, dev);
        }
        t.Assert(!dev.IsWedged);
        hang?.End();
    }

    /// <summary>
    /// intel_engine_reset as the selftests call it: holding the engine's RESET_ENGINE bit (test_and_set_bit before,
    /// clear_and_wake_up_bit after), which the reset asserts.
    /// </summary>
    private static bool ResetEngine(GpuDevice dev, EngineId e, string reason)
    {
        using (dev.Reset.EngineResetLock(e))
        {
            return dev.Reset.ResetEngine(dev.Gt[e], reason);
        }
    }

    /// <summary>igt_reset_queue: per engine, a hang queued behind a hang; a reset of that engine blames only the running one.</summary>
    private static void ResetQueue(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var hang = new SelftestHang(t, dev);
        foreach (EngineId e in EngineIds.All)
        {
            dev.Heartbeat.SetInterval(e, TimeSpan.Zero);
            (DmaFence Rq, uint Marker) prev = hang.Create(e);
            int count = 0;
            var sw = Stopwatch.StartNew();
            do
            {
                (DmaFence Rq, uint Marker) rq = hang.Create(e);
                t.AssertF(hang.WaitUntilRunning(e, prev.Marker), $"Failed to start request {prev.Rq.Seqno}");
                int resetCount = dev.Reset.ResetCount;
                using (dev.Reset.ResetGlobalLock())
                {
                    dev.Reset.ResetFull(e.Mask(), "selftest reset_queue");
                }
                t.AssertF(prev.Rq.Error == -Errno.EIO, $"{e.Name()}: Reset not recorded on hanging request [fence.error={prev.Rq.Error}]");
                t.AssertF(rq.Rq.Error == 0, $"{e.Name()}: Reset recorded on innocent request [fence.error={rq.Rq.Error}]");
                t.AssertF(dev.Reset.ResetCount == resetCount + 1, "No GPU reset recorded!");
                prev = rq;
                count++;
            } while (Loop(sw, count));
            t.Info($"{e.Name()}: Completed {count} queued resets");
            hang.End();
            t.AssertEq(IgtSync.Wait(prev.Rq, IgtTime.Forever), 0);
            dev.Heartbeat.SetInterval(e, dev.Config.Reset.HeartbeatInterval);
            Flush(t, dev);
        }
    }

    /// <summary>igt_reset_wait: a full reset completes a stuck request's wait promptly.</summary>
    private static void ResetWait(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var hang = new SelftestHang(t, dev);
        dev.Heartbeat.SetInterval(EngineId.Rcs0, TimeSpan.Zero);
        (DmaFence? rq, uint marker) = hang.Create(EngineId.Rcs0);
        t.AssertF(hang.WaitUntilRunning(EngineId.Rcs0, marker), $"Failed to start request {rq.Seqno}");
        int resetCount = dev.Reset.ResetCount;
        using (dev.Reset.ResetGlobalLock())
        {
            dev.Reset.ResetFull(EngineIds.AllMask, "selftest reset_wait");
        }
        t.AssertF(IgtSync.Wait(rq, TimeSpan.FromMilliseconds(200)) == 0, "i915_request_wait failed on a stuck request");
        t.AssertF(dev.Reset.ResetCount != resetCount, "No GPU reset recorded!");
        t.Assert(!dev.IsWedged);
        hang.End();
    }

    /// <summary>igt_handle_error: intel_gt_handle_error on a hung engine marks its request guilty.</summary>
    private static void HandleError(IgtContext t)
    {
        GpuDevice dev = t.Device;
        var hang = new SelftestHang(t, dev);
        dev.Heartbeat.SetInterval(EngineId.Rcs0, TimeSpan.Zero);
        (DmaFence? rq, uint marker) = hang.Create(EngineId.Rcs0);
        t.AssertF(hang.WaitUntilRunning(EngineId.Rcs0, marker), $"Failed to start request {rq.Seqno}");
        dev.Reset.HandleError(EngineId.Rcs0.Mask(), ErrorFlags.None, "selftest handle_error");
        t.AssertEq(IgtSync.Wait(rq, IgtTime.Forever), 0);
        t.AssertF(rq.Error == -Errno.EIO, "Guilty request not identified!");
        hang.End();
    }

    /// <summary>igt_wedged_reset: set wedged, then a full reset clears it.</summary>
    private static void WedgedReset(IgtContext t)
    {
        GpuDevice dev = t.Device;
        dev.Wedge("selftest wedged_reset");
        t.Assert(dev.IsWedged);
        using (dev.Reset.ResetGlobalLock())
        {
            dev.Reset.ResetFull(EngineIds.AllMask, "selftest wedged_reset");
        }
        t.AssertF(!dev.IsWedged, "wedged -> reset should have cleared wedged");
    }

    private static DmaFence Nop(IgtContext t, GpuDevice dev, int fd, int ctx, EngineId e, int batch) =>
        IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Context = ctx, Engine = (int)e, BatchHandle = batch });
}
