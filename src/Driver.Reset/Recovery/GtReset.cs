using System.Globalization;
using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Core.Sync;
using Driver.Engines.Execution;
using Driver.Engines.Gt;
using Driver.Reset.Bans;
using Driver.Reset.Capture;
using Driver.Reset.Events;
using Serilog;

namespace Driver.Reset.Recovery;

/// <summary>
/// The GT's reset state (intel_reset.c): the flag word, the reset mutex, the wait queue, statistics, and the
/// recovery entry point <see cref="HandleError"/>. The steps live in the other parts of this class: engine reset
/// (GtReset.Engine.cs), full reset (GtReset.Full.cs), wedging (GtReset.Wedge.cs), rewind (GtReset.Rewind.cs).
/// </summary>
public sealed partial class GtReset
{
    private readonly IntelGt _gt;
    private readonly ILogger _log;
    private readonly List<IResetObserver> _observers = new();

    /// <summary>Guards <see cref="_observers"/>; a leaf lock.</summary>
    private readonly DriverSpinLock _observersLock = new("gt->reset.observers");
    private readonly int[] _engineResets = new int[EngineIds.Count];

    /// <summary>Flag word (see <see cref="ResetFlags"/>); changed only with Interlocked operations.</summary>
    private long _flags;

    /// <summary>Wait queue for flag changes (gt->reset.queue): waiters Monitor.Wait, clearers PulseAll.</summary>
    private readonly DriverMonitor _queue = new("gt->reset.queue");

    /// <summary>Serialises full resets, wedging and unwedging (gt->reset.mutex).</summary>
    private readonly DriverMutex _mutex = new("gt->reset.mutex");

    /// <summary>Class name of the BACKOFF bit's cross-release map (<see cref="s_backoff"/>).</summary>
    public const string BackoffClassName = "&gt->reset.flags#BACKOFF";

    // BACKOFF is a bit lock: whoever sets it owns the full reset until LeaveBackoff, and whoever finds it set sleeps
    // on gt->reset.queue until the owner is done. The kernel sleeps there with wait_on_bit, which lockdep cannot see,
    // so a waiter holding a lock the reset needs would deadlock unreported. As a cross-release map: the owner holds
    // it for as long as it owns the bit (EnterBackoff → LeaveBackoff, one thread), so every lock the reset takes is
    // recorded after it, and every waiter records its held locks → it before sleeping (WaitForBitClear). One class
    // for every GT, as lockdep keys a wait by its site.
    private static readonly LockdepMap s_backoff = new(BackoffClassName);

    private int _resetCount;
    private int _failedResets;
    private int _wedgeCount;
    private long _resetLockWaits;

    /// <summary>Creates the reset state of <paramref name="gt"/>.</summary>
    /// <param name="gt">The GT.</param>
    /// <param name="config">Settings; defaults are i915's.</param>
    /// <param name="log">The driver log.</param>
    /// <param name="time">The clock of the reset's watchdog (tests fire it by hand); the system clock by default.</param>
    public GtReset(IntelGt gt, ResetConfig? config = null, ILogger? log = null, TimeProvider? time = null)
    {
        _gt = gt;
        _time = time ?? TimeProvider.System;
        Config = config ?? new ResetConfig();
        _log = log ?? Serilog.Core.Logger.None;
        Bans = new BanPolicy(Config, Events);
        ErrorStates = new ErrorStateStore();
        _capture = new ErrorCapture(gt, ErrorStates, () => ResetCount, EngineResetCount)
        {
            ModuleParams = () => [new("reset", ResetMethod.ToString(CultureInfo.InvariantCulture)), new("enable_hangcheck", EnableHangcheck ? "yes" : "no")],
        };
        _nopSubmit = NopSubmitRequest;
    }

    private readonly ErrorCapture _capture;
    private readonly TimeProvider _time;

    /// <summary>The driver log (the kernel log of this GT).</summary>
    public ILogger Log => _log;

    /// <summary>Settings.</summary>
    public ResetConfig Config { get; }

    /// <summary>Failure injection.</summary>
    public FaultInjection Faults { get; } = new();

    /// <summary>Notifications.</summary>
    public GpuEventStream Events { get; } = new();

    /// <summary>Hang accounting.</summary>
    public BanPolicy Bans { get; }

    /// <summary>Captured error states.</summary>
    public ErrorStateStore ErrorStates { get; }

    /// <summary>
    /// Read side for users of resources a full reset clobbers (the kernel's reset.backoff_srcu): a full reset
    /// waits for these readers after setting BACKOFF.
    /// </summary>
    public Epoch BackoffSrcu { get; } = new("gt->reset.backoff_srcu");

    /// <summary>
    /// Protects the BACKOFF check in <see cref="ResetLock"/> (the kernel's rcu_read_lock there): the grace period
    /// after setting BACKOFF guarantees every later ResetLock sees it.
    /// </summary>
    private readonly Epoch _backoffRcu = new("gt->reset.backoff_rcu");

    /// <summary>Supplies every timeline with work, for unwedging (set by the device).</summary>
    public Func<IEnumerable<Timeline>>? ActiveTimelines { get; set; }

    /// <summary>Global reset count (GET_RESET_STATS reset_count, i915_reset_count).</summary>
    public int ResetCount => Volatile.Read(ref _resetCount);

    /// <summary>Engine resets of <paramref name="engineClass"/> (i915_reset_engine_count).</summary>
    public int EngineResetCount(EngineClass engineClass) => Volatile.Read(ref _engineResets[(int)engineClass]);

    /// <summary>Engine resets over all classes.</summary>
    public int TotalEngineResets => _engineResets.Sum();

    /// <summary>Resets that failed (engine resets that escalated, full resets that wedged).</summary>
    public int FailedResets => Volatile.Read(ref _failedResets);

    /// <summary>Times the device was wedged.</summary>
    public int WedgeCount => Volatile.Read(ref _wedgeCount);

    /// <summary>Whether the device is wedged.</summary>
    public bool IsWedged => TestBit(ResetFlags.Wedged);

    private int _resetMethod = 2;

    /// <summary>
    /// The i915.reset module parameter, writable at run time like /sys/module/i915/parameters/reset: 0 no reset at
    /// all (a hang wedges the device), 1 full device reset only, 2 (or -1, "any") engine reset first. What the
    /// configuration does not support stays off whatever this says.
    /// </summary>
    public int ResetMethod
    {
        get => Volatile.Read(ref _resetMethod);
        set => Volatile.Write(ref _resetMethod, value < 0 ? 2 : Math.Min(value, 2));
    }

    /// <summary>
    /// The i915.enable_hangcheck module parameter as the reset layer keeps it (what the device's policies read, and
    /// what an error state records among its parameters).
    /// </summary>
    public bool EnableHangcheck
    {
        get => Volatile.Read(ref _enableHangcheck) != 0;
        set => Volatile.Write(ref _enableHangcheck, value ? 1 : 0);
    }
    private int _enableHangcheck = 1;

    /// <summary>Whether a hang may be handled by resetting only its engine (intel_has_reset_engine).</summary>
    public bool CanResetEngine => Config.EngineResetEnabled && ResetMethod >= 2;

    /// <summary>Whether a full device reset may be attempted (intel_has_gpu_reset).</summary>
    public bool CanResetFull => Config.FullResetEnabled && ResetMethod >= 1;

    /// <summary>Whether a full reset is in progress.</summary>
    public bool IsBackoff => TestBit(ResetFlags.Backoff);

    /// <summary>
    /// The reset flags word as it is now (bits of <see cref="ResetFlags"/>), for state dumps such as the soak's
    /// deadlock report; read-only, and stale the moment it is read.
    /// </summary>
    public long FlagsSnapshot => Interlocked.Read(ref _flags);

    /// <summary>
    /// Times a <see cref="ResetLock"/> caller found BACKOFF set and went to wait for the reset to finish: lets an
    /// observer know that a caller is really held off, not merely on its way in.
    /// </summary>
    public long ResetLockWaits => Interlocked.Read(ref _resetLockWaits);

    /// <summary>
    /// amdgpu_device_evict_resources as a hook, for a driver whose reset takes reservation locks (the amdgpu
    /// reset-locking rule): every reset calls it inside its fence-signalling section, with the engines of
    /// <c>mask</c> stopped and before their hung requests are rewound (their fences signalled). Null for i915's rule:
    /// intel_gt_reset touches no buffer object. Set once, before the device runs.
    /// </summary>
    public Action<uint>? EvictResources { get; set; }

    /// <summary>Adds an observer of full resets.</summary>
    public void AddObserver(IResetObserver observer)
    {
        using (_observersLock.Acquire())
        {
            _observers.Add(observer);
        }
    }

    private IResetObserver[] Observers { get { using (_observersLock.Acquire()) { return _observers.ToArray(); } } }

    /// <summary>
    /// intel_gt_handle_error: optionally capture the error state; reset each engine in
    /// <paramref name="engineMask"/> on its own; escalate whatever is left to a full reset (piggy-backing on one
    /// already in progress); a full reset that fails wedges the device. Raises exactly one Error event.
    /// </summary>
    public void HandleError(uint engineMask, ErrorFlags flags, string reason)
    {
        // Recovery is what makes every fence signal: the per-engine resets and the full reset proper are signalling
        // sections, so they must never wait on a fence, nor take a lock that someone holds while waiting on one
        // (the validator checks both). What cannot be inside one runs between them, as in intel_gt_reset ("Revoking
        // cpu mmap ptes cannot be done from a dma_fence critical section"): setting BACKOFF, the SRCU grace period
        // that flushes the fault paths, and the revoke of the user mmaps (ResetFull's prepare).
        bool cookie = Lockdep.BeginSignalling();
        try
        {
            engineMask = HandleErrorEngines(engineMask, flags, reason);
        }
        finally
        {
            Lockdep.EndSignalling(cookie);
        }

        if (engineMask == 0)
        {
            return;
        }

        // Full reset needs the mutex; stop anyone else trying to do one. If a full reset is already under way it
        // will deal with our engines too: wait for it and piggy-back instead of resetting twice.
        if (!TryEnterBackoff())
        {
            WaitForBitClear(ResetFlags.Backoff);
            return;
        }
        try
        {
            QuiesceForFullReset();
            ResetGlobal(engineMask, reason);
        }
        finally
        {
            LeaveBackoff();
        }
    }

    /// <summary>
    /// execlists_reset, the submission tasklet's own engine reset (preemption time out, CS error): the same capture
    /// and per-engine reset as <see cref="HandleError"/>, but intel_engine_reset's result is not looked at, so there
    /// is no fallback to a full reset. An engine whose reset fails keeps running its hog, which is left to the
    /// heartbeat ("stopped heartbeat" goes through <see cref="HandleError"/>); an engine whose RESET_ENGINE bit is
    /// held (its reset, or a full reset, already under way) is left alone (test_and_set_bit → return).
    /// </summary>
    public void HandleEngineError(uint engineMask, ErrorFlags flags, string reason)
    {
        bool cookie = Lockdep.BeginSignalling();
        try
        {
            // What is left (failed or skipped engines) is dropped: no intel_gt_handle_error on this path. This path
            // captures as execlists_capture does: the objects later, with the hung request held.
            _ = HandleErrorEngines(engineMask, flags, reason, deferCapture: true);
        }
        finally
        {
            Lockdep.EndSignalling(cookie);
        }
    }

    /// <summary>
    /// Waits until no full reset is in progress (BACKOFF clear), as intel_gt_debugfs_reset_store does before it
    /// applies for a reset of its own ("flush any previous reset"): a manual reset asked for while another one is
    /// still finishing is then done, not merged into the one that is ending (<see cref="HandleError"/> piggy-backs
    /// on a full reset already under way). Unbounded, like the kernel's wait_event: a reset always finishes.
    /// </summary>
    public void FlushPreviousReset() => WaitForBitClear(ResetFlags.Backoff);

    /// <summary>
    /// The error's log, event, capture and per-engine resets; returns the engines still to reset in full. With
    /// <paramref name="deferCapture"/> (execlists_reset's path) a hung request's EXEC_OBJECT_CAPTURE objects are
    /// copied after the reset, on a worker, while its engine holds it (<see cref="FinishCapture"/>); otherwise
    /// (intel_gt_handle_error's i915_capture_error_state) everything is captured here, before any reset.
    /// </summary>
    private uint HandleErrorEngines(uint engineMask, ErrorFlags flags, string reason, bool deferCapture = false)
    {
        engineMask &= EngineIds.AllMask;
        EngineLog(engineMask).Warning("GPU HANG: {Reason}, engine mask 0x{Mask:x}", reason, engineMask);
        Events.Raise(GpuEventKind.Error, engineMask, reason);
        PendingErrorState? pending = null;
        if ((flags & ErrorFlags.Capture) != 0 && Config.CaptureErrorState)
        {
            if (deferCapture)
            {
                pending = _capture.CaptureDeferred(engineMask, reason);
                if (pending.DeferredRequest is null)
                {
                    // Nothing to copy later: stored now, before the reset lets the hung request signal, so a waiter
                    // woken by its -EIO finds the state (published after the reset instead, a waiter raced it:
                    // i915_hangman@error-state-capture read "No error state collected").
                    FinishCapture(pending);
                    pending = null;
                }
            }
            else
            {
                _capture.Capture(engineMask, reason);
            }
        }

        try
        {
            return ResetEngines(engineMask, reason, pending);
        }
        finally
        {
            if (pending is not null)
            {
                FinishCapture(pending);
            }
        }
    }

    /// <summary>
    /// The second half of a deferred capture: when the reset put the hung request on hold
    /// (<see cref="PendingErrorState.Holder"/>), a worker copies its objects, stores the state and releases the hold
    /// (execlists_capture_work on i915's unordered workqueue); otherwise (nothing deferred, the request finished, the
    /// reset failed or was skipped) the state is completed here and now.
    /// </summary>
    private void FinishCapture(PendingErrorState pending)
    {
        if (pending.Holder is not { } holder)
        {
            try
            {
                _capture.Publish(pending);
            }
            finally
            {
                pending.Dispose();
            }

            return;
        }

        Interlocked.Increment(ref _capturesInFlight);
        _log.ForContext("Engine", holder.Name).Information("{Engine} holds {Request} while its error capture copies its objects",
            holder.Name, pending.DeferredRequest!.ToString());
        ThreadPool.UnsafeQueueUserWorkItem(static w => w.Reset.CaptureWork(w.Pending, w.Holder),
            new CaptureWorkItem(this, pending, holder), preferLocal: false);
    }

    private readonly record struct CaptureWorkItem(GtReset Reset, PendingErrorState Pending, Engine Holder);

    /// <summary>execlists_capture_work: copy the objects (slow), publish the state, then return the request for signalling.</summary>
    private void CaptureWork(PendingErrorState pending, Engine holder)
    {
        Request rq = pending.DeferredRequest!;
        long start = Stopwatch.GetTimestamp();
        try
        {
            BeforeDeferredCapture?.Invoke(rq);
            GpuErrorState state = _capture.Publish(pending);
            _log.ForContext("Engine", holder.Name).Information(
                "{Engine} releases {Request}: {Objects} objects captured in {Ms:F1} ms", holder.Name, rq.ToString(),
                state.Engines.Sum(e => e.UserObjects.Count), Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        catch (Exception e)
        {
            // A failed capture loses the error state, never the request: it is released below all the same.
            _log.Error(e, "error capture of {Request} failed", rq.ToString());
        }
        finally
        {
            // execlists_unhold while the pending state still holds its reference on the request.
            holder.Unhold(rq);
            pending.Dispose();
            Interlocked.Decrement(ref _capturesInFlight);
        }
    }

    private int _capturesInFlight;

    /// <summary>Deferred captures still copying (their requests on hold); for tests and drop_caches-like waits.</summary>
    public int CapturesInFlight => Volatile.Read(ref _capturesInFlight);

    /// <summary>
    /// Waits (bounded) for the deferred captures still copying, as the driver's removal drains its unordered
    /// workqueue: a copy reads GEM memory through the GGTT, which must outlive it. Called after the unload's wedge,
    /// which has signalled every held request, so each copy stops at its next object. False on timeout.
    /// </summary>
    public bool FlushCaptures(TimeSpan timeout) => SpinWait.SpinUntil(() => CapturesInFlight == 0, timeout);

    /// <summary>
    /// Test hook: runs on the capture worker before it copies a held request's EXEC_OBJECT_CAPTURE objects, with that
    /// request; a test blocks here to hold the capture open. Null in the driver.
    /// </summary>
    public Action<Request>? BeforeDeferredCapture { get; set; }

    /// <summary>The per-engine resets of <see cref="HandleErrorEngines"/>; returns the engines still to reset in full.</summary>
    private uint ResetEngines(uint engineMask, string reason, PendingErrorState? capture)
    {

        // Engines whose reset failed: kept for the full reset, not retried here.
        uint escalate = 0;
        if (CanResetEngine && !IsWedged)
        {
            foreach (Engine engine in _gt.Engines)
            {
                uint bit = engine.Id.Mask();
                if ((engineMask & ~escalate & bit) == 0)
                {
                    continue;
                }
                // Someone else is resetting this engine (or a full reset holds every engine bit): leave its bit in
                // the mask; the full-reset path below then waits for / piggy-backs on that reset.
                if (TestAndSetBit(ResetFlags.ResetEngine + (int)engine.Id))
                {
                    continue;
                }

                try
                {
                    // On a part with a shared reset domain the reset covers the engine's siblings too: a sibling
                    // also in the mask needs no reset of its own. A failure escalates this engine alone, as i915's
                    // intel_gt_handle_error does: the full reset judges only the hung engines' requests guilty, so a
                    // sibling that merely shares the domain stays innocent there.
                    if (ResetEngine(engine, reason, out uint domainMask, capture))
                    {
                        engineMask &= ~domainMask;
                    }
                    else
                    {
                        escalate |= bit;
                    }
                }
                finally
                {
                    ClearBitAndWake(ResetFlags.ResetEngine + (int)engine.Id);
                }
            }
        }
        return engineMask | escalate;
    }

    /// <summary>
    /// A full reset asked for outside the hang path (debugfs i915_reset): unlike <see cref="HandleError"/> it does
    /// not piggy-back on a reset already under way (the caller wants one of its own), but it follows the same
    /// protocol, so <see cref="IResetObserver.OnResetPrepare"/> runs with BACKOFF set and every
    /// <see cref="ResetLock"/> holder gone.
    /// </summary>
    public void ResetFullExclusive(uint stalledMask, string reason)
    {
        EnterBackoff();

        try
        {
            QuiesceForFullReset();
            // The debugfs i915_wedged/i915_reset write goes through intel_gt_handle_error, hence
            // intel_gt_reset_global: the same uevents and watchdog as a hang's full reset.
            ResetGlobal(stalledMask & EngineIds.AllMask, reason);
        }
        finally
        {
            LeaveBackoff();
        }
    }

    /// <summary>
    /// igt_global_reset_lock: what a full reset's owner holds, for code that drives <see cref="ResetFull(uint, string)"/> itself (the
    /// selftests): BACKOFF (waiting out a reset in progress), every later ResetLock() seeing it, every RESET_ENGINE
    /// bit, every ResetLock() holder gone. Dispose to release (igt_global_reset_unlock).
    /// </summary>
    public IDisposable ResetGlobalLock()
    {
        EnterBackoff();

        QuiesceForFullReset();
        for (int id = 0; id < EngineIds.Count; id++)
        {
            Volatile.Write(ref _engineBitOwners[id], Thread.CurrentThread);
        }

        return new Releaser(() =>
        {
            for (int id = 0; id < EngineIds.Count; id++)
            {
                Volatile.Write(ref _engineBitOwners[id], null);
            }

            LeaveBackoff();
        });
    }

    /// <summary>
    /// The thread that holds each RESET_ENGINE bit through <see cref="EngineResetLock"/> or
    /// <see cref="ResetGlobalLock"/> (null: none, or an internal holder). Written only by that thread, before the bit
    /// is released, so <see cref="HoldsEngineBitItself"/> is exact for the calling thread whatever it reads of others.
    /// </summary>
    private readonly Thread?[] _engineBitOwners = new Thread?[EngineIds.Count];

    /// <summary>Whether the calling thread holds engine <paramref name="id"/>'s RESET_ENGINE bit through one of the lock APIs.</summary>
    private bool HoldsEngineBitItself(int id) => ReferenceEquals(Volatile.Read(ref _engineBitOwners[id]), Thread.CurrentThread);

    /// <summary>
    /// The RESET_ENGINE bit of <paramref name="id"/>, for code that drives <see cref="ResetEngine(Engine, string)"/> itself (the
    /// selftests' test_and_set_bit(I915_RESET_ENGINE + id)): waits while another reset of the engine (or a full
    /// reset) holds it. Dispose to release (clear_and_wake_up_bit).
    /// </summary>
    public IDisposable EngineResetLock(EngineId id)
    {
        int bit = ResetFlags.ResetEngine + (int)id;
        while (TestAndSetBit(bit))
        {
            WaitForBitClear(bit);
        }

        Volatile.Write(ref _engineBitOwners[(int)id], Thread.CurrentThread);
        return new Releaser(() =>
        {
            Volatile.Write(ref _engineBitOwners[(int)id], null);
            ClearBitAndWake(bit);
        });
    }

    private bool HoldsEveryEngineBit()
    {
        for (int id = 0; id < EngineIds.Count; id++)
        {
            if (!TestBit(ResetFlags.ResetEngine + id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The rules that hold between recovery steps, checked in Debug builds (the tests run them) wherever the reset
    /// mutex is held: a wedged GT has the nop handler on every engine, and a WEDGED_ON_INIT/FINI GT is wedged.
    /// </summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        if (IsWedged)
        {
            Debug.Assert(WedgeCount > 0, "WEDGED set but no wedge counted");
            foreach (Engine engine in _gt.Engines)
            {
                Debug.Assert(engine.SubmitRequest == _nopSubmit, $"wedged, yet {engine.Name} still submits to the hardware");
            }
        }
        else
        {
            Debug.Assert(!TestBit(ResetFlags.WedgedOnInit) && !TestBit(ResetFlags.WedgedOnFini),
                "WEDGED_ON_INIT/FINI without WEDGED");
        }
    }

    /// <summary>Runs an action once, on dispose.</summary>
    private sealed class Releaser(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }

    /// <summary>
    /// The caller has just set BACKOFF: make every later ResetLock() see it, keep per-engine resets out, and wait
    /// for every ResetLock() holder (users of what the reset clobbers) to leave.
    /// </summary>
    private void QuiesceForFullReset()
    {
        // Grace period: every ResetLock() that starts after this sees BACKOFF and waits.
        _backoffRcu.Synchronize();
        // Keep per-engine resets out while we own the whole GT.
        for (int id = 0; id < EngineIds.Count; id++)
        {
            while (TestAndSetBit(ResetFlags.ResetEngine + id))
            {
                WaitForBitClear(ResetFlags.ResetEngine + id);
            }
        }
        // Flush everyone still using a resource the reset is about to clobber.
        BackoffSrcu.Synchronize();
    }

    /// <summary>Undoes the BACKOFF owner's bits (every engine bit, then BACKOFF) and wakes the waiters.</summary>
    /// <summary>Sets BACKOFF if it is clear and takes its map: true when this thread now owns the full reset.</summary>
    private bool TryEnterBackoff()
    {
        if (TestAndSetBit(ResetFlags.Backoff))
        {
            return false;
        }

        s_backoff.Acquire();
        return true;
    }

    /// <summary>Waits out every other owner of BACKOFF, then owns it (a full reset of our own, no piggy-back).</summary>
    private void EnterBackoff()
    {
        while (!TryEnterBackoff())
        {
            WaitForBitClear(ResetFlags.Backoff);
        }
    }

    /// <summary>Ends the ownership <see cref="TryEnterBackoff"/> began, on the thread that began it.</summary>
    private void LeaveBackoff()
    {
        Debug.Assert(IsBackoff, "LeaveBackoff without BACKOFF set");
        for (int id = 0; id < EngineIds.Count; id++)
        {
            ClearBit(ResetFlags.ResetEngine + id);
        }

        // Released before the bit clears: once a waiter can run, this thread no longer holds the reset.
        s_backoff.Release();
        ClearBitAndWake(ResetFlags.Backoff);
    }

    /// <summary>
    /// The log with an <c>Engine</c> property naming the engines of <paramref name="engineMask"/> ("rcs0", or
    /// "rcs0,bcs0"), which the kernel-log format prints as the line's prefix; the plain log for an empty mask.
    /// </summary>
    private ILogger EngineLog(uint engineMask)
    {
        if (engineMask == 0)
        {
            return _log;
        }

        IEnumerable<string> names = EngineIds.All.Where(e => (engineMask & e.Mask()) != 0).Select(e => e.Name());
        return _log.ForContext("Engine", string.Join(",", names));
    }

    /// <summary>
    /// The read side users of clobberable resources take (intel_gt_reset_lock_interruptible): waits (bounded by
    /// <paramref name="timeout"/>) while BACKOFF is set, then enters <see cref="BackoffSrcu"/>. False on timeout.
    /// Pair with <see cref="ResetUnlock"/>.
    /// </summary>
    public bool ResetLock(TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _backoffRcu.ReadLock();
        while (IsBackoff)
        {
            _backoffRcu.ReadUnlock();
            // Only here, on the way to block: the uncontended ResetLock pays nothing for the statistic.
            Interlocked.Increment(ref _resetLockWaits);
            if (!WaitForBitClear(ResetFlags.Backoff, deadline))
            {
                return false;
            }

            _backoffRcu.ReadLock();
        }
        BackoffSrcu.ReadLock();
        _backoffRcu.ReadUnlock();
        return true;
    }

    /// <summary>Leaves the section entered by <see cref="ResetLock"/>.</summary>
    public void ResetUnlock() => BackoffSrcu.ReadUnlock();

    // ---- flag word ----------------------------------------------------------------------------------------------

    private bool TestBit(int bit) => (Interlocked.Read(ref _flags) & (1L << bit)) != 0;

    private bool TestAndSetBit(int bit) => (Interlocked.Or(ref _flags, 1L << bit) & (1L << bit)) != 0;

    private void SetBit(int bit) => Interlocked.Or(ref _flags, 1L << bit);

    private void ClearBit(int bit) => Interlocked.And(ref _flags, ~(1L << bit));

    private void ClearBitAndWake(int bit)
    {
        ClearBit(bit);
        // Monitor enter/exit orders the clear before the wake-up; waiters re-check the bit under the same monitor.
        using (_queue.Acquire())
        {
            _queue.PulseAll();
        }
    }

    private void WaitForBitClear(int bit) => WaitForBitClear(bit, long.MaxValue);

    private bool WaitForBitClear(int bit, long deadline)
    {
        if (bit == ResetFlags.Backoff)
        {
            // wait_on_bit(BACKOFF) as cross-release's wait: ordered after every lock this thread holds, and before
            // every lock the owner takes while it holds the bit (s_backoff).
            s_backoff.Wait();
        }

        using (_queue.Acquire())
        {
            while (TestBit(bit))
            {
                long remaining = deadline == long.MaxValue ? 100 : (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (remaining <= 0)
                {
                    return false;
                }
                // Bounded slices: a clear that raced our check is caught on the next pass at the latest.
                _queue.Wait((int)Math.Clamp(remaining, 1, 100));
            }
            return true;
        }
    }
}
