using System.Runtime.CompilerServices;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Core.Sync;

namespace Driver.Engines.Execution;

/// <summary>
/// An engine as the rest of the driver sees it (the kernel's <c>struct intel_engine_cs</c>): its submission hook
/// <see cref="SubmitRequest"/> and the vtable a reset drives it through, <c>engine->reset.{prepare, rewind, cancel,
/// finish}</c>. How the engine executes, and how it keeps its queues, is the implementation's private business:
/// <see cref="ExeclistsEngine"/> (a thread running the command streamer), or a mock in tests
/// (<c>Driver.Engines.Mock.MockEngine</c>, after gt/mock_engine.c).
/// </summary>
/// <remarks>
/// <para>The reset core (GtReset) keeps only policy: who is guilty, bans, escalation, wedging. It never touches an
/// engine's queues; it calls, in this order, <see cref="ResetPrepareBegin"/>/<see cref="ResetPrepareWait"/>, then
/// <see cref="ResetRewind"/> or <see cref="ResetCancel"/>, then <see cref="ResetFinish"/>. Whether a request is
/// guilty is decided back in the core through <see cref="IRequestReset"/>.</para>
/// <para>Contract every implementation keeps, and the mock-engine tests check: every request the engine was given
/// ends signalled exactly once, error before signal; a rewind replays what was not finished in order; a cancel
/// leaves the engine holding nothing; <see cref="Completed"/> never passes <see cref="Submitted"/>.</para>
/// </remarks>
public abstract class Engine : IStoppable, IDisposable
{
#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic] private static Engine? t_current;
#pragma warning restore IDE1006

    private Action<Request> _submitRequest;
    private Action<Request> _defaultSubmitRequest;

    /// <summary>Sets up the submission hook to <see cref="Queue"/>.</summary>
    protected Engine(EngineId id)
    {
        Id = id;
        // Bound to the most derived Queue: delegate creation resolves the override on the object's runtime type.
        _defaultSubmitRequest = Queue;
        _submitRequest = _defaultSubmitRequest;
    }

    /// <summary>Engine id.</summary>
    public EngineId Id { get; }

    /// <summary>Kernel name ("rcs0").</summary>
    public string Name => Id.Name();

    /// <summary>The engine whose thread is running the caller, or null.</summary>
    public static Engine? Current => t_current;

    /// <summary>Declares the calling thread to be <paramref name="engine"/>'s own (null: no engine's).</summary>
    protected static void SetCurrent(Engine? engine) => t_current = engine;

    /// <summary>
    /// The submission handler every request passes through. Read inside the submit read side (an epoch section or a
    /// stop-machine region, see <c>ISubmitReadSide</c>), so whoever swaps it can wait until no thread still runs the
    /// old one.
    /// </summary>
    public Action<Request> SubmitRequest
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _submitRequest);
        set => Volatile.Write(ref _submitRequest, value);
    }

    /// <summary>
    /// The normal handler: <see cref="Queue"/>, or the backend installed with <see cref="UseBackend"/>. An unwedge
    /// restores <see cref="SubmitRequest"/> to this.
    /// </summary>
    public Action<Request> DefaultSubmitRequest
    {
        get => Volatile.Read(ref _defaultSubmitRequest);
        private set => Volatile.Write(ref _defaultSubmitRequest, value);
    }

    /// <summary>The backend executing this engine's requests, or null for the engine's own execution.</summary>
    public IEngineBackend? Backend { get; private set; }

    /// <summary>
    /// Routes this engine's submissions to <paramref name="backend"/> (null: back to the engine itself). The backend
    /// becomes the <see cref="DefaultSubmitRequest"/>, so the routing survives a wedge, which swaps
    /// <see cref="SubmitRequest"/> for a nop handler and restores the default on unwedge. The live handler changes
    /// only when it is the default: a wedged engine keeps its nop handler until unwedged. Requests already queued
    /// here stay here.
    /// </summary>
    public void UseBackend(IEngineBackend? backend)
    {
        Action<Request> old = DefaultSubmitRequest;
        Action<Request> handler = backend is null ? Queue : backend.Submit;
        Backend = backend;
        DefaultSubmitRequest = handler;
        // Against a concurrent wedge: it either swapped in its nop handler first (we leave it) or swaps after us.
        Interlocked.CompareExchange(ref _submitRequest, handler, old);
    }

    /// <summary>
    /// Error interrupt: called on the engine's thread when execution faults. When set (hang recovery is present) the
    /// engine then stalls at the fault until a reset aborts the batch; it must not block. When null the faulting
    /// request fails with -EIO and the engine carries on.
    /// </summary>
    public Action<Engine, EngineFault>? ErrorInterrupt { get; set; }

    /// <summary>
    /// Told, on the engine's thread, of a fence callback that threw while the engine signalled a request (a driver
    /// bug): the engine goes on signalling, and whoever sets this logs it. Must not block.
    /// </summary>
    public Action<Engine, Exception>? CallbackFault { get; set; }

    // ---- state read by hang detection, capture and statistics ---------------------------------------------------

    /// <summary>The request being executed, or null (stable while the engine is prepared for a reset).</summary>
    public abstract Request? Active { get; }

    /// <summary>
    /// <see cref="Active"/> with a counted reference the caller puts, or null when idle. Loaded as an RCU reader of the
    /// request slab loads it (i915_request_get_rcu, then the pointer re-checked as dma_fence_get_rcu_safe does): a
    /// request that finished between the load and the reference may have been recycled as another request, so the
    /// engine is asked again whether it still runs that object, and the reference pins that incarnation. For readers
    /// outside the engine thread that act on what they find (error capture, the heartbeat's hang report and revoke).
    /// </summary>
    public Request? GetActiveReference()
    {
        Request? rq = Active;
        if (rq is null || !rq.TryGet())
        {
            return null;
        }

        if (Active == rq)
        {
            return rq;
        }

        rq.Put();
        return null;
    }

    /// <summary>
    /// How many times a request was made <see cref="Active"/> on this engine (a preempted one counts again when it
    /// resumes): with <see cref="Active"/>, tells a request still running since a moment from one that left and came
    /// back. 0 for an engine that does not count them.
    /// </summary>
    public virtual long Activations => 0;

    /// <summary>The command streamer's head (ACTHD).</summary>
    public virtual uint Head => 0;

    /// <summary>The last fault.</summary>
    public virtual EngineFault? LastFault => null;

    /// <summary>Requests handed to <see cref="Queue"/>.</summary>
    public abstract long Submitted { get; }

    /// <summary>Requests that left the engine: executed, dropped as already complete, or finished by a reset.</summary>
    public abstract long Completed { get; }

    /// <summary>Execution faults.</summary>
    public virtual long Faults => 0;

    /// <summary>Instructions executed.</summary>
    public virtual long Instructions => 0;

    /// <summary>Queued or executing work exists.</summary>
    public virtual bool IsBusy => Submitted != Completed || Active is not null;

    /// <summary>
    /// Whether the engine is awake (intel_engine_pm_is_awake): it has work that has not left it, or someone holds it
    /// awake (<see cref="HoldAwake"/>). An engine reset of an engine asleep does nothing and counts nothing
    /// (__intel_engine_reset_bh: intel_engine_pm_get_if_awake). GpuSim parks an engine's wakeref as soon as its last
    /// request leaves; i915 parks it a little after its last retire, which a reset cannot tell apart.
    /// </summary>
    public bool IsAwake => IsBusy || Volatile.Read(ref _awakeHolds) > 0;
    private int _awakeHolds;

    /// <summary>
    /// intel_engine_pm_get for a holder outside the request path (a selftest that resets an idle engine keeps it awake,
    /// as st_engine_heartbeat_disable does); the hold ends when the returned scope is disposed (intel_engine_pm_put).
    /// </summary>
    public EngineAwakeHold HoldAwake()
    {
        Interlocked.Increment(ref _awakeHolds);
        return new EngineAwakeHold(this);
    }

    /// <summary>Drops a hold taken by <see cref="HoldAwake"/>.</summary>
    internal void DropAwake()
    {
        int left = Interlocked.Decrement(ref _awakeHolds);
        System.Diagnostics.Debug.Assert(left >= 0, $"{Name}: awake hold dropped twice");
    }

    /// <summary>Whether the engine is stopped at a safe point now (prepared for a reset, or idle and parkable).</summary>
    public abstract bool IsParked { get; }

    /// <summary>Reset generation: bumped by every reset of this engine.</summary>
    public abstract long ResetGeneration { get; }

    /// <summary>
    /// How far the engine has actually run (safe points passed). Hang detection measures timeouts in this progress
    /// as well as in wall time, because a simulated engine only runs when its thread gets a CPU.
    /// </summary>
    public abstract long SafePoints { get; }

    /// <summary>
    /// The request the engine's preempt timer is armed against (execlists.preempt_target): the active request, which
    /// a queued request of higher priority, or of equal priority once its timeslice expired, is waiting to replace.
    /// Null when no preemption is pending.
    /// </summary>
    public abstract Request? PreemptTarget { get; }

    // ---- engine->props (sysfs engine/NAME/...) ---------------------------------------------------------------------

    /// <summary>
    /// The properties a waiter on this engine's requests reads (max_busywait_duration_ns); every request built for
    /// the engine points at them.
    /// </summary>
    public EngineProps Props { get; } = new();

    /// <summary>
    /// timeslice_duration_ms: how long the active request keeps the engine while a request of equal priority from
    /// another timeline waits; zero disables timeslicing (equal priorities then run in order).
    /// </summary>
    public TimeSpan TimesliceDuration
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _timesliceTicks));
        set => Interlocked.Exchange(ref _timesliceTicks, Math.Max(0, value.Ticks));
    }
    private long _timesliceTicks = TimeSpan.FromMilliseconds(1).Ticks;

    /// <summary>
    /// preempt_timeout_ms: how long a batch may refuse a preemption (no arbitration point) before
    /// <see cref="PreemptTimeoutInterrupt"/> is raised; zero disables it. A banned context's batch gets
    /// <see cref="BannedPreemptTimeout"/> whatever this says. A write applies to a preemption already pending too: its
    /// timer restarts with the new value, or stops at zero (preempt_timeout_store's set_timer_ms).
    /// </summary>
    public TimeSpan PreemptTimeout
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _preemptTimeoutTicks));
        set
        {
            Interlocked.Exchange(ref _preemptTimeoutTicks, Math.Max(0, value.Ticks));
            // After the value: an engine that sees the new count reads the new value.
            Interlocked.Increment(ref _preemptTimeoutWrites);
        }
    }
    private long _preemptTimeoutTicks = TimeSpan.FromMilliseconds(640).Ticks;

    /// <summary>Writes of <see cref="PreemptTimeout"/> so far: a pending preemption's timer re-arms when this moves.</summary>
    protected long PreemptTimeoutWrites => Interlocked.Read(ref _preemptTimeoutWrites);
    private long _preemptTimeoutWrites;

    /// <summary>INTEL_CONTEXT_BANNED_PREEMPT_TIMEOUT_MS: a banned or closed context is thrown off within 1 ms.</summary>
    public static readonly TimeSpan BannedPreemptTimeout = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Preempt timer expiry (the ERROR_PREEMPT of execlists_submission_tasklet): called on the engine's thread with the
    /// active request, still the preempt target, that refused to yield in time. It must hand the hang over and never
    /// block. Null: the timer is never acted on.
    /// </summary>
    public Action<Engine, Request>? PreemptTimeoutInterrupt { get; set; }

    /// <summary>Called on the engine's thread when it arms its preempt timer (tests that must act at that moment).</summary>
    public Action<Engine>? PreemptArmed { get; set; }

    // ---- submission and scheduling --------------------------------------------------------------------------------

    /// <summary>Queues a request for execution (the default <see cref="SubmitRequest"/>). Must not block.</summary>
    public abstract void Queue(Request rq);

    /// <summary>
    /// Raises a submitted request's priority (engine->sched_engine->schedule, i915_schedule): only upwards. Lock-free;
    /// the engine moves it in its queue at its next look, and a higher priority than the running request's preempts
    /// it at its next arbitration point (or arms the preempt timer if the batch never reaches one).
    /// </summary>
    public abstract void Schedule(Request rq, int priority);

    /// <summary>
    /// Asks the engine to drop the queued requests of banned contexts at its next arbitration point (-EIO, signalled
    /// at once), as i915's scheduler does when it next picks.
    /// </summary>
    public abstract void SkipBannedQueued();

    // ---- parking (IStoppable) -------------------------------------------------------------------------------------

    /// <summary>Asks the engine to stop at its next safe point, without waiting. Follow with <see cref="WaitParked"/>.</summary>
    public abstract void RequestPark();

    /// <summary>
    /// Waits for the engine to be stopped. On timeout the request made by <see cref="RequestPark"/> is withdrawn and
    /// false returned.
    /// </summary>
    public abstract bool WaitParked(TimeSpan timeout);

    /// <summary>Stops the engine at its next safe point and waits (nested parks count); false on timeout.</summary>
    public bool Park(TimeSpan timeout)
    {
        RequestPark();
        return WaitParked(timeout);
    }

    /// <summary>Releases one park; the engine resumes when none remain.</summary>
    public abstract void Unpark();

    // ---- engine->reset -----------------------------------------------------------------------------------------

    /// <summary>
    /// engine->reset.prepare, first half: ask the engine to stop at its next safe point without waiting, so that a
    /// full reset's engines stop in parallel. Must be followed by <see cref="ResetPrepareWait"/>.
    /// </summary>
    public virtual void ResetPrepareBegin() => RequestPark();

    /// <summary>
    /// engine->reset.prepare, second half: waits until the engine stopped. True: it is prepared, and stays so until
    /// <see cref="ResetFinish"/>. False: it did not stop within <paramref name="timeout"/> (a batch that ignores
    /// every safe point), and is not prepared: only <see cref="ResetCancelWhenStopped"/> may be used on it.
    /// </summary>
    public virtual bool ResetPrepareWait(TimeSpan timeout) => WaitParked(timeout);

    /// <summary>Both halves of engine->reset.prepare.</summary>
    public bool ResetPrepare(TimeSpan timeout)
    {
        ResetPrepareBegin();
        return ResetPrepareWait(timeout);
    }

    /// <summary>
    /// engine->reset.rewind (execlists_reset_rewind), on a prepared engine after its hardware reset: the batch in
    /// flight is abandoned; the active request, if it had started, is handed to
    /// <paramref name="reset"/>.<see cref="IRequestReset.ResetRequest"/> with <paramref name="stalled"/> as its
    /// guilt (the core decides the error and the ban); requests already complete are signalled; everything else is
    /// replayed in order, ahead of newer submissions, a banned context's skipped with -EIO.
    /// </summary>
    public abstract void ResetRewind(bool stalled, IRequestReset reset);

    /// <summary>
    /// The rewind's decision for one request an engine held when it was reset, in execution order (the part of
    /// execlists_reset_rewind every implementation shares). Returns false when the request is finished here (already
    /// signalled, or complete and now signalled): the caller counts it retired. Returns true when it must be replayed:
    /// the <paramref name="active"/> one, if it had started, is judged by <paramref name="reset"/> (__i915_request_reset,
    /// execlists_reset_active: one that had not started is replayed untouched, or the signalling chain behind it would
    /// break) and restarts from the beginning of its batch; a banned context's request is skipped with -EIO.
    /// </summary>
    protected static bool RewindOne(Request rq, Request? active, bool stalled, IRequestReset reset)
    {
        if (rq.IsSignaled)
        {
            return false;
        }

        if (rq.IsCompleted)
        {
            // Complete (the engine wrote its breadcrumb, or a nop/preemption path completed it on the CPU): only its
            // signal is owed.
            CompleteOnCpu(rq);
            return false;
        }

        if (rq == active)
        {
            if (rq.Started && !rq.IsPulse)
            {
                reset.ResetRequest(rq, stalled);
            }
            // reset_active: the active context is rewound to the start of its request. A batch preempted earlier and
            // waiting in the queue keeps its place: its context image was saved, the reset never touched it.
            rq.ResumeAddress = 0;
            rq.HasResumeAddress = false;
            rq.ResumeWorkNs = 0;
        }

        if (rq.Context.IsBannedOn(rq.Engine) && !rq.IsPulse)
        {
            rq.SetErrorOnce(-Errno.EIO);
            rq.Skip = true;
        }

        rq.Replays++;
        return true;
    }

    /// <summary>
    /// engine->reset.cancel (execlists_reset_cancel), on a prepared engine: the batch in flight is abandoned and every
    /// request the engine holds, a backend's included (<see cref="IEngineBackend.ResetCancel"/>), completes with
    /// -EIO. The caller has made sure nothing new reaches the engine (the wedge's nop handler and grace period).
    /// </summary>
    public abstract void ResetCancel();

    /// <summary>
    /// engine->reset.cancel for an engine that did not stop when asked: it abandons its batch and cancels everything
    /// it holds by itself, -EIO, at its next safe point (or as it stops). Never waits.
    /// </summary>
    public abstract void ResetCancelWhenStopped();

    /// <summary>Whether a <see cref="ResetCancelWhenStopped"/> is still waiting for the engine to stop.</summary>
    public abstract bool IsCancelPending { get; }

    /// <summary>engine->reset.finish: the engine resumes (with its rewound requests first).</summary>
    public virtual void ResetFinish() => Unpark();

    /// <summary>
    /// execlists_hold, on a prepared engine after its rewind: takes <paramref name="rq"/> (queued, not complete) and
    /// every later request of its timeline off the engine's queue onto a hold list, where they neither run nor
    /// signal, and keeps later submissions of that timeline there too, until <see cref="Unhold"/>. The rest of the
    /// engine's work goes on meanwhile. The error capture holds a hung request this way while it copies the
    /// request's objects (execlists_capture), so the copy may take its time without stalling the engine, and the
    /// objects stay busy, hence bound, until it is done. False when the request cannot be held (already complete or
    /// not queued here, or an engine without a hold list): the caller then captures at once. Everything on hold is
    /// still cancelled by a wedge (<see cref="ResetCancel"/>): every fence signals, held or not.
    /// </summary>
    public virtual bool Hold(Request rq) => false;

    /// <summary>
    /// execlists_unhold, from any thread: the requests <see cref="Hold"/> took (and those of the timeline that arrived
    /// since) go back to the engine's queue in their order, ahead of nothing newer of their timeline. A no-op when
    /// <paramref name="rq"/> itself is no longer on hold (a wedge cancelled it), whatever holds its timeline now
    /// (__execlists_unhold: i915_request_on_hold). The caller keeps its reference on the request until this returns.
    /// </summary>
    public virtual void Unhold(Request rq)
    {
    }

    // ---- completion from the CPU ---------------------------------------------------------------------------------

    /// <summary>
    /// Cancels a request from the CPU (the kernel's <c>i915_request_mark_eio</c> followed by completion): -EIO,
    /// payload skipped, marked complete, fence signalled. Used by the wedge's nop handler and cancel, and for banned
    /// work. Does not count as the engine retiring it.
    /// </summary>
    public static void CancelOnCpu(Request rq)
    {
        rq.SetErrorOnce(-Errno.EIO);
        rq.Skip = true;
        CompleteOnCpu(rq);
    }

    /// <summary>
    /// Completes a request from the CPU and signals it (cancel, nop-submit and preemption paths, any thread). Only the
    /// request is marked complete (i915_request_mark_complete); the timeline's breadcrumb is the engine's to write, in
    /// order, so an earlier request of the timeline that never ran does not look complete. Does not count as the
    /// engine retiring it: a request still queued is counted when the engine dequeues it.
    /// </summary>
    public static void CompleteOnCpu(Request rq)
    {
        rq.MarkCompleteOnCpu();
        bool cookie = Lockdep.BeginSignalling();
        try { rq.Signal(); }
        finally { Lockdep.EndSignalling(cookie); }
    }

    /// <summary>Stops the engine (bounded).</summary>
    public abstract void Dispose();

    /// <inheritdoc/>
    public override string ToString() => Name;
}
