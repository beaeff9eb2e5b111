using System.Diagnostics;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Engines.Execution;
using Driver.Reset.Events;

namespace Driver.Reset.Recovery;

public sealed partial class GtReset
{
    /// <summary>Retries of a timed-out full reset (RESET_MAX_RETRIES).</summary>
    public const int FullResetRetries = 3;

    /// <summary>
    /// The wedge-on-timeout watchdog of the full reset in progress (intel_gt_reset_global), or null outside one (a
    /// selftest driving <see cref="ResetFull(uint, string)"/> itself). Written and read under the reset's BACKOFF.
    /// </summary>
    private WedgeOnTimeout? _watchdog;

    private bool WatchdogFired => _watchdog?.Fired ?? false;

    /// <summary>
    /// intel_gt_reset_global: uevents ERROR=1 and RESET=1, the full reset under a wedge-on-timeout watchdog, then
    /// ERROR=0 and FullReset when the device came back (nothing more when it ended wedged). The caller holds BACKOFF
    /// and every engine bit.
    /// </summary>
    private void ResetGlobal(uint stalledMask, string reason)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Events.Raise(GpuEventKind.Uevent, stalledMask, ErrorUevent);
        Events.Raise(GpuEventKind.Uevent, stalledMask, ResetUevent);
        _watchdog = new WedgeOnTimeout(_time, Config.WedgeTimeout,
            () => _log.Error("reset took longer than {Timeout}: wedging", Config.WedgeTimeout));
        try
        {
            ResetFull(stalledMask, reason, notify: false);
        }
        finally
        {
            // Disarmed for good before BACKOFF is released: a late firing cannot fail the next reset.
            _watchdog.Dispose();
            _watchdog = null;
        }
        if (!IsWedged)
        {
            Events.Raise(GpuEventKind.Uevent, stalledMask, ResetDoneUevent);
            Events.Raise(GpuEventKind.FullReset, stalledMask, reason, start);
        }
    }

    /// <summary>I915_ERROR_UEVENT "=1": an error was detected and a full reset is coming.</summary>
    public const string ErrorUevent = "ERROR=1";

    /// <summary>I915_RESET_UEVENT "=1": the full reset starts.</summary>
    public const string ResetUevent = "RESET=1";

    /// <summary>I915_ERROR_UEVENT "=0": the full reset is done and the GT is usable.</summary>
    public const string ResetDoneUevent = "ERROR=0";

    /// <summary>
    /// intel_gt_reset: revoke mmaps → clear a previous wedge → reset_count++ → prepare every engine → hardware reset
    /// with retries → re-enable the GGTT, rewind every engine (guilty where stalled), restore fence registers →
    /// resume. Any failure wedges the device. The caller owns BACKOFF and every engine bit (<see cref="HandleError"/>,
    /// <see cref="ResetFullExclusive"/>, or a selftest under <see cref="ResetGlobalLock"/>): observers rely on it to
    /// keep ResetLock() users out, and a per-engine reset must not run beside it.
    /// Raises FullReset when the device came back, as every full reset does.
    /// </summary>
    internal void ResetFull(uint stalledMask, string reason)
    {
        // intel_gt_reset: GEM_BUG_ON(!test_bit(I915_RESET_BACKOFF, &gt->reset.flags)).
        Debug.Assert(IsBackoff, "ResetFull without BACKOFF: take ResetGlobalLock() (igt_global_reset_lock) first");
        Debug.Assert(HoldsEveryEngineBit(), "ResetFull without every RESET_ENGINE bit: take ResetGlobalLock() first");
        ResetFull(stalledMask, reason, notify: true);
    }

    /// <summary>The full reset; <paramref name="notify"/> is false when the caller raises the event itself.</summary>
    private void ResetFull(uint stalledMask, string reason, bool notify)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        // gt_revoke, before the signalling section and under BACKOFF with the SRCU readers (fault paths) flushed:
        // revoking user mmaps takes i_mmap_rwsem and runs the mmu notifiers, which may wait on fences, and the TLB
        // shootdown / stop of the mmap users waits for user threads; none of it may happen inside the section.
        foreach (IResetObserver o in Observers)
        {
            o.OnResetPrepare();
        }

        bool cookie = Lockdep.BeginSignalling();
        try
        {
            ResetFullSignalling(stalledMask, reason);
        }
        finally
        {
            Lockdep.EndSignalling(cookie);
        }
        if (notify && !IsWedged)
        {
            Events.Raise(GpuEventKind.FullReset, stalledMask, reason, start);
        }
    }

    private void ResetFullSignalling(uint stalledMask, string reason)
    {
        using (_mutex.Acquire())
        {
            // Clear any previous failed attempt at recovery: time to try again.
            if (!UnsetWedgedLocked())
            {
                // Observers were told to prepare (mmaps revoked, users stopped): they must hear the reset is over.
                foreach (IResetObserver o in Observers)
                {
                    o.OnResetFinish();
                }

                return;
            }
            _log.Information("Resetting chip for {Reason}", reason);
            Interlocked.Increment(ref _resetCount);
            List<Engine> parked = PrepareAll();
            bool ok = false;
            try
            {
                // amdgpu's rule (amdgpu_device_gpu_recover → amdgpu_device_evict_resources): reservation locks
                // taken inside the signalling section, under gt->reset.mutex. Null under i915's.
                EvictResources?.Invoke(stalledMask);
                if (!CanResetFull)
                {
                    // i915 reports this at debug level when the module parameter turned resets off on purpose.
                    if (Config.FullResetEnabled)
                    {
                        _log.Information("GPU reset disabled");
                    }
                    else
                    {
                        _log.Error("GPU reset disabled");
                    }
                }
                else if (parked.Count != _gt.Engines.Count)
                {
                    _log.Error("Failed to reset chip: engines did not stop");
                }
                else if (DoReset())
                {
                    // gt_reset: every engine's rewind, then the fence registers from their software copy
                    // (intel_ggtt_restore_fences). The GGTT's PTEs survived the reset (gen6+): nothing to rewrite.
                    foreach (Engine engine in _gt.Engines)
                    {
                        engine.ResetRewind(stalled: (stalledMask & engine.Id.Mask()) != 0, this);
                    }
                    foreach (IResetObserver o in Observers)
                    {
                        o.OnResetRestore();
                    }

                    ok = true;
                }
                else
                {
                    _log.Error("Failed to reset chip");
                }
                if (!ok)
                {
                    // As intel_gt_reset's error path: straight to wedging, the fence registers as the failed reset
                    // left them (cleared, if it got that far). Nothing restores them until a later full reset.
                    Interlocked.Increment(ref _failedResets);
                    Events.Raise(GpuEventKind.ResetFailed, stalledMask, reason);
                    SetWedgedLocked($"full reset failed ({reason})", parkedByCaller: parked);
                }
            }
            finally
            {
                foreach (Engine e in parked)
                {
                    e.ResetFinish();
                }
            }
            foreach (IResetObserver o in Observers)
            {
                o.OnResetFinish();
            }

            AssertInvariants();
        }
    }

    /// <summary>
    /// reset_prepare: engine->reset.prepare on every engine; returns those that stopped. All are asked first and then
    /// waited for, so the engines reach their safe points in parallel.
    /// </summary>
    private List<Engine> PrepareAll()
    {
        foreach (Engine engine in _gt.Engines)
        {
            engine.ResetPrepareBegin();
        }

        var parked = new List<Engine>(_gt.Engines.Count);
        foreach (Engine engine in _gt.Engines)
        {
            if (engine.ResetPrepareWait(Config.StopTimeout))
            {
                parked.Add(engine);
            }
        }

        return parked;
    }

    /// <summary>
    /// do_reset: the hardware reset of every engine, retried while it times out (10·(i+1) ms apart). Each attempt
    /// clears the fence registers (observers hear of it); the GGTT's PTEs survive.
    /// </summary>
    private bool DoReset()
    {
        bool ok = HardwareReset(HardwareResetPath.FullReset);
        for (int i = 0; !ok && i < FullResetRetries && !WatchdogFired; i++)
        {
            Thread.Sleep(10 * (i + 1));
            ok = HardwareReset(HardwareResetPath.FullReset);
        }
        return ok && !WatchdogFired;
    }

    /// <summary>
    /// __intel_gt_reset(gt, ALL_ENGINES): resets every engine's hardware, clearing the fence registers. Injected hangs
    /// and failures apply to the resets that must succeed (a full reset, an unwedge), not to the wedge's, whose
    /// outcome nobody checks ("even if the GPU reset fails, it should still stop the engines").
    /// </summary>
    private bool HardwareReset(HardwareResetPath path)
    {
        bool mayFail = path != HardwareResetPath.Wedge;
        if (mayFail && Faults.TakeFullResetHang())
        {
            // A reset that never completes: only the wedge-on-timeout watchdog gets us out.
            _log.Warning("full reset hung (injected)");
            if (_watchdog is { } watchdog)
            {
                watchdog.WaitFired(Config.WedgeTimeout + TimeSpan.FromSeconds(5));
            }
            else
            {
                Thread.Sleep(Config.WedgeTimeout);
            }

            return false;
        }
        foreach (IResetObserver o in Observers)
        {
            o.OnHardwareReset(path);
        }

        if (mayFail && Faults.TakeFullResetFailure())
        {
            _log.Warning("full reset timed out (injected)");
            return false;
        }
        return true;
    }
}
