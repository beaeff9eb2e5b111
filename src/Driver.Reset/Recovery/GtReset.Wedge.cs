using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Reset.Events;

namespace Driver.Reset.Recovery;

public sealed partial class GtReset
{
    private readonly Action<Request> _nopSubmit;

    /// <summary>Duration of the last wedge, from the start of SetWedged to every cancelled fence signalled.</summary>
    public TimeSpan LastWedgeDuration { get; private set; }

    /// <summary>Duration of the last handler swap + grace period (or stop-the-world) alone.</summary>
    public TimeSpan LastSwapDuration { get; private set; }

    /// <summary>
    /// The handler installed on every engine while wedged (nop_submit_request): the request is marked -EIO, its
    /// breadcrumb written and its fence signalled at once. Runs on the submitter's thread.
    /// </summary>
    private static void NopSubmitRequest(Request rq) => Engine.CancelOnCpu(rq);

    /// <summary>intel_gt_set_wedged: declare the device dead; every fence still completes (with -EIO).</summary>
    public void SetWedged(string reason) => SetWedged(reason, quiet: false);

    /// <summary>
    /// The wedge; <paramref name="terminalBit"/> (WEDGED_ON_INIT/FINI, or -1) is set under the reset mutex, right
    /// before wedging: every unwedge (and full reset) checks it under that mutex, so one already past its check has
    /// finished when the bit is set, and the wedge that follows is final. An already wedged GT still takes the mutex
    /// for it: an unwedge under way would otherwise clear WEDGED after this returned.
    /// </summary>
    private void SetWedged(string reason, bool quiet, int terminalBit = -1)
    {
        if (IsWedged && terminalBit < 0)
        {
            return;
        }

        bool cookie = Lockdep.BeginSignalling();
        try
        {
            uint taken = HoldOffEngineResets();
            try
            {
                using (_mutex.Acquire())
                {
                    if (terminalBit >= 0)
                    {
                        SetBit(terminalBit);
                    }

                    SetWedgedLocked(reason, parkedByCaller: null, quiet);
                }
            }
            finally
            {
                AllowEngineResets(taken);
            }
        }
        finally
        {
            Lockdep.EndSignalling(cookie);
        }
    }

    /// <summary>
    /// Takes every RESET_ENGINE bit, waiting for per-engine resets in flight, as a full reset does (the wedge needs
    /// no BACKOFF: it clobbers nothing a ResetLock holder uses). Wedging owns the whole GT: a per-engine reset
    /// running beside it would rewind an engine the wedge has parked too (parking nests), taking its requests from
    /// under the wedge's cancel (i915 serialises the two on the engine's scheduler lock instead; parking is this
    /// simulator's equivalent, and it nests, so the bits do it). Order: engine bits, then the reset mutex. A bit the
    /// calling thread already holds (<see cref="EngineResetLock"/>, <see cref="ResetGlobalLock"/>: the selftests wedge
    /// under them, as igt_wedged_reset does, and intel_gt_set_wedged takes no bit) keeps every other reset out
    /// already, and this thread is not resetting meanwhile: it is skipped, not waited for. Returns the bits taken.
    /// </summary>
    private uint HoldOffEngineResets()
    {
        uint taken = 0;
        for (int id = 0; id < EngineIds.Count; id++)
        {
            if (HoldsEngineBitItself(id))
            {
                continue;
            }

            while (TestAndSetBit(ResetFlags.ResetEngine + id))
            {
                WaitForBitClear(ResetFlags.ResetEngine + id);
            }

            taken |= 1u << id;
        }

        return taken;
    }

    /// <summary>Releases the bits <see cref="HoldOffEngineResets"/> took (<paramref name="taken"/>) and wakes their waiters.</summary>
    private void AllowEngineResets(uint taken)
    {
        for (int id = 0; id < EngineIds.Count; id++)
        {
            if ((taken & (1u << id)) != 0)
            {
                ClearBitAndWake(ResetFlags.ResetEngine + id);
            }
        }
    }

    /// <summary>
    /// __intel_gt_set_wedged, under the reset mutex: prepare every engine → try to stop them with a reset → swap
    /// each SubmitRequest for the nop handler → wait until no submitter can still be in the old one (a grace period,
    /// or a stop-the-world) → set WEDGED → cancel everything executing, queued or replayed with -EIO.
    /// </summary>
    /// <remarks>
    /// It cannot fail half-way, as the kernel's cannot: an engine that does not stop when asked (not parked by the
    /// caller, nor within <see cref="ResetConfig.StopTimeout"/> here) still gets the nop handler and the grace period,
    /// WEDGED is still set, and its requests are cancelled by the engine itself at its next safe point
    /// (<see cref="Engine.ResetCancelWhenStopped"/>). <paramref name="parkedByCaller"/>: the engines a failing full reset
    /// already parked (possibly not all of them); null to prepare them here.
    /// </remarks>
    private void SetWedgedLocked(string reason, IReadOnlyCollection<Engine>? parkedByCaller, bool quiet = false)
    {
        if (IsWedged)
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        // Stop submission to the hardware, but do not complete requests yet: their error is not set.
        List<Engine> ours = parkedByCaller is null ? PrepareAll() : [];
        IReadOnlyCollection<Engine> stopped = parkedByCaller ?? ours;
        // Logged once the engines are stopped: a console write can take milliseconds (the first one of a process
        // even tens), and the engines would keep executing meanwhile.
        if (quiet)
        {
            _log.Debug("wedging the GPU: {Reason}", reason);
        }
        else
        {
            _log.Error("wedging the GPU: {Reason}", reason);
        }

        try
        {
            // Even if recovery is hopeless, a reset stops the engines: a batch parked mid-way is abandoned (by the
            // cancel below, which runs before any stopped engine resumes). The hardware reset clears the fence
            // registers, and nothing here revokes the user mmaps first or restores the registers after: a tiled GTT
            // mmap access now goes through undetiled (the glitch window, opened for as long as the GT stays wedged).
            HardwareReset(HardwareResetPath.Wedge);

            long swapStart = Stopwatch.GetTimestamp();
            SwapSubmitRequests(_nopSubmit);
            LastSwapDuration = Stopwatch.GetElapsedTime(swapStart);
            SetBit(ResetFlags.Wedged);
            foreach (Engine engine in _gt.Engines)
            {
                if (stopped.Contains(engine))
                {
                    engine.ResetCancel();
                }
                else
                {
                    _log.ForContext("Engine", engine.Name).Error("{Engine} did not stop: its requests are cancelled when it does", engine.Name);
                    engine.ResetCancelWhenStopped();
                }
            }
        }
        finally
        {
            foreach (Engine e in ours)
            {
                e.ResetFinish();
            }
        }
        LastWedgeDuration = Stopwatch.GetElapsedTime(start);
        Interlocked.Increment(ref _wedgeCount);
        if (!quiet)
        {
            Events.Raise(GpuEventKind.Wedged, 0, reason, start);
        }

        AssertInvariants();
    }

    /// <summary>
    /// Installs <paramref name="handler"/> on every engine and returns once no thread can still be running the old
    /// one, through the GT's read side: after a grace period of the submit epoch, or with the world stopped (falling
    /// back to draining the submitters' regions when an engine will not stop). It cannot fail: nothing reaches an
    /// engine's queue after the cancel that follows.
    /// </summary>
    private void SwapSubmitRequests(Action<Request> handler) =>
        _gt.ReadSide.Publish(() =>
        {
            foreach (Engine engine in _gt.Engines)
            {
                engine.SubmitRequest = handler;
            }
        }, Config.StopTimeout * 4);

    /// <summary>
    /// intel_gt_unset_wedged: wait (bounded) for the last request of every timeline, require a full hardware reset
    /// to succeed, restore the default SubmitRequest and clear WEDGED. Returns whether the device is usable.
    /// </summary>
    public bool Unwedge()
    {
        if (!IsWedged)
        {
            return true;
        }
        // Flush everything still pending first: with no lock held and outside any signalling section. Waiting on
        // fences under the reset mutex (as __intel_gt_unset_wedged does) is a deadlock the validator reports: the
        // reset path takes that mutex and is what signals fences.
        WaitForActiveTimelines();
        // The unwedge resets the hardware (__intel_gt_reset(gt, ALL_ENGINES)), clearing the fence registers. Like the
        // kernel's it revokes no mmap first (the observers' prepare is a full reset's step), but it still runs under
        // BACKOFF with every ResetLock() holder flushed, so no fault path is halfway through a register meanwhile.
        EnterBackoff();

        try
        {
            QuiesceForFullReset();
            using (_mutex.Acquire())
            {
                bool usable = UnsetWedgedLocked();
                if (usable)
                {
                    // Standalone, the unwedge is the resume path (i915_gem_resume → intel_ggtt_restore_fences): the
                    // registers its hardware reset cleared are rewritten before anyone runs again.
                    foreach (IResetObserver o in Observers)
                    {
                        o.OnResetRestore();
                    }
                }

                return usable;
            }
        }
        finally
        {
            LeaveBackoff();
        }
    }

    /// <summary>Waits, bounded by <see cref="ResetConfig.UnwedgeWaitTimeout"/> overall, for every timeline's last request.</summary>
    private void WaitForActiveTimelines()
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(Config.UnwedgeWaitTimeout.TotalSeconds * Stopwatch.Frequency);
        foreach (Timeline tl in ActiveTimelines?.Invoke() ?? [])
        {
            // A counted reference for the wait: tl.Last read without the timeline mutex may be recycled under us.
            Request? last = tl.GetLast();
            if (last is null)
            {
                continue;
            }

            try
            {
                if (last.IsSignaled)
                {
                    continue;
                }

                var remaining = TimeSpan.FromSeconds(Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));
                if (!last.Wait(remaining))
                {
                    _log.Warning("unwedge: {Request} still pending after the wait bound", last);
                }
            }
            finally
            {
                last.Put();
            }
        }
    }

    /// <summary>
    /// __intel_gt_unset_wedged, under the reset mutex and never waiting on fences (the reset path calls it too):
    /// a full hardware reset must succeed, then the default SubmitRequest is restored and WEDGED cleared. Requests
    /// still held on their dependencies run normally once those signal.
    /// </summary>
    private bool UnsetWedgedLocked()
    {
        if (!IsWedged)
        {
            return true;
        }
        // Never fully initialised (or torn down): recovery impossible.
        if (TestBit(ResetFlags.WedgedOnInit) || TestBit(ResetFlags.WedgedOnFini))
        {
            return false;
        }
        // Pending GPU events must be reset before submission is restored.
        List<Engine> parked = PrepareAll();
        try
        {
            // __intel_gt_reset(gt, ALL_ENGINES) must succeed; it clears the fence registers again and restores
            // nothing. Inside a full reset that reset's own restore follows; Unwedge() restores them itself.
            if (parked.Count != _gt.Engines.Count || !HardwareReset(HardwareResetPath.Unwedge))
            {
                _log.Error("unwedge: reset failed, device stays wedged");
                return false;
            }

            foreach (Engine engine in _gt.Engines)
            {
                engine.ResetCancel();
                // No grace period needed: submission is still gated by WEDGED at the uAPI until we clear it.
                engine.SubmitRequest = engine.DefaultSubmitRequest;
            }
        }
        finally
        {
            foreach (Engine e in parked)
            {
                e.ResetFinish();
            }
        }
        ClearBitAndWake(ResetFlags.Wedged);
        AssertInvariants();
        Events.Raise(GpuEventKind.Unwedged, 0, "unwedged");
        return true;
    }

    /// <summary>
    /// Wedges the device for good at teardown (intel_gt_set_wedged_on_fini, WEDGED_ON_FINI): whatever still runs or
    /// waits is cancelled with -EIO, so no engine is left inside a batch that never ends, and whatever is submitted
    /// from now on, by a submitter that raced the teardown or an in-fence that signals later, meets the nop handler
    /// and signals -EIO without an engine thread. <paramref name="quiet"/>: the caller saw nothing in flight; the wedge
    /// is the same (the look was racy: a submitter may have slipped in since), and counted, but it is no recovery, so
    /// it is logged at debug level and not raised as an event.
    /// </summary>
    public void SetWedgedOnFini(string reason, bool quiet = false) => SetWedged(reason, quiet, ResetFlags.WedgedOnFini);

    /// <summary>Wedges the device for good (initialisation failure, WEDGED_ON_INIT): it cannot be unwedged.</summary>
    public void SetWedgedOnInit(string reason) => SetWedged(reason, quiet: false, ResetFlags.WedgedOnInit);
}
