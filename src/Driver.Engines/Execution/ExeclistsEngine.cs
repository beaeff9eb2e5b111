using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Core.Sync;

namespace Driver.Engines.Execution;

/// <summary>
/// The simulated engine (what i915's execlists submission and the hardware are together): a dedicated thread draining
/// its request queue and executing batches with its command streamer. Every submission reaches it through
/// <see cref="Engine.SubmitRequest"/> (the kernel's <c>engine->submit_request</c>), which hang recovery swaps for a
/// nop handler when the device is wedged; a reset drives it through the <c>engine->reset</c> vtable of
/// <see cref="Engine"/>, and the queue surgery that involves is this class's alone.
/// </summary>
/// <remarks>
/// <para>Queues: <see cref="_port"/> (a multi-producer queue) takes submissions from any thread; the engine thread
/// moves them into <see cref="_sched"/>, its priority queue (i915's priolists), whenever it looks: between requests,
/// at arbitration points and at safe points inside a batch. What a reset rewound goes back there ahead of newer
/// submissions of its priority.</para>
/// <para>Scheduling (execlists_dequeue): the highest priority runs first; at an arbitration point a request of
/// another timeline with a higher priority takes the engine at once (need_preempt), and one of equal priority once
/// the active request has had its timeslice (timeslice_expired, <see cref="Engine.TimesliceDuration"/>). The
/// preempted batch goes back to the queue and resumes where it was. A batch with no arbitration point cannot be
/// taken off: at its safe points the engine arms its preempt timer against it (set_preempt_timeout) and, when the
/// timer expires with that request still active, raises <see cref="Engine.PreemptTimeoutInterrupt"/>.</para>
/// <para>Parking: <see cref="Engine.Park(TimeSpan)"/> asks the thread to stop at its next safe point (between requests, or inside a
/// batch at jumps, arbitration points, polls and every few hundred instructions) and waits for it there. While parked,
/// the engine-owned state (<see cref="Active"/>, the replay queue, the breadcrumbs, requests' execution fields)
/// belongs to whoever parked it: the park handshake's monitor is the barrier both ways.</para>
/// </remarks>
public sealed class ExeclistsEngine : Engine
{
    /// <summary>
    /// Submissions from any thread, drained by the engine thread alone: a multi-producer queue whose enqueue is
    /// lock-free (ConcurrentQueue: one interlocked slot reservation; a new segment only when one fills). The engine
    /// needs no waiting machinery from it: its own doorbell (<see cref="Kick"/>) wakes it.
    /// </summary>
    private readonly ConcurrentQueue<Request> _port = new();

    /// <summary>Requests whose priority was raised (<see cref="Schedule"/>), for the engine thread to move; rare.</summary>
    private readonly ConcurrentQueue<Request> _reschedule = new();

    /// <summary>Ready requests by priority; engine-owned.</summary>
    private readonly SchedQueue _sched = new();

    /// <summary>
    /// The hold list (sched_engine->hold): requests taken off the queue by <see cref="Hold"/>, and later submissions
    /// of their timelines, in execution order; engine-owned, like <see cref="_sched"/>.
    /// </summary>
    private readonly List<Request> _onHold = new();

    /// <summary>
    /// Requests <see cref="Unhold"/> released, from any thread, each with a reference of its own (so it cannot be
    /// recycled into a new life before the engine looks); the engine thread requeues the held requests of its
    /// timeline only while that very request is still on hold here (__execlists_unhold: i915_request_on_hold). A
    /// timeline alone would not do: a wedge cancels the held request, and after an unwedge the same timeline may be
    /// held again by another capture, which a stale release must not end.
    /// </summary>
    private readonly ConcurrentQueue<Request> _unholds = new();
    private long _holds;
    private readonly Breadcrumbs _breadcrumbs = new();
    private readonly CommandStreamer _cs;
    private readonly EngineOptions _options;
    private readonly Thread _thread;

    /// <summary>Wakes the idle thread; set by submitters only when <see cref="_sleeping"/> says it sleeps.</summary>
    private readonly ManualResetEventSlim _doorbell = new(false, spinCount: 0);

    /// <summary>Puts a submission's wake-up of the sleeping thread on the submitter's CPU (see <see cref="WakeAffinity"/>).</summary>
    private readonly WakeAffinity _wakeAffinity = new();

    /// <summary>This engine's GT's engines, counted while awake: a wake-up is steered only on an idle GT.</summary>
    private readonly WakeGroup _wakeGroup;

    /// <summary>
    /// Monitor of the park handshake: guards <see cref="_parkRequests"/> and <see cref="_parked"/>. Its exit/enter is
    /// the barrier that hands the engine-owned state to the parker and back.
    /// </summary>
    private readonly DriverMonitor _park = new("engine->park");

    /// <summary>Class name of the park handshake's cross-release map (<see cref="s_parkHandshake"/>).</summary>
    public const string ParkHandshakeClassName = "&engine->park_handshake";

    // The park handshake as a completion (cross-release, LockValidator.CrossRelease.cs): a parker (reset prepare, a
    // stop_machine participant) waits for the engine thread to reach a safe point, so it waits for whatever that
    // thread holds when it gets there. The parker records held → this map (Wait) before it waits; the engine thread
    // records this map → what it holds (Complete) when it parks or dozes. Both outside engine->park, which is only
    // the handshake's own short-held guard. One class for every engine, as lockdep keys a completion by its site.
    private static readonly LockdepMap s_parkHandshake = new(ParkHandshakeClassName);

    // Test hook: a lock the engine thread holds while it completes the park handshake (the bug the cross-release
    // annotation exists to catch); null in the driver.
    private DriverMutex? _heldAtParkForTest;

    private Request? _active;
    private int _skipBanned;

    /// <summary>Engine-owned: when the active request began its current timeslice (Stopwatch ticks).</summary>
    private long _sliceStart;

    /// <summary>Engine-owned: set while the command streamer runs a batch (the preempt timer is looked at then).</summary>
    private bool _inBatch;

    /// <summary>The preempt timer's target (execlists.preempt_target); written by the engine thread only.</summary>
    private Request? _preemptTarget;
    private long _preemptArmedAt;
    private long _preemptTimeoutTicks;
    private long _preemptArmedProgress;
    private bool _preemptArmedBanned;
    private bool _preemptFired;

    /// <summary>The <see cref="Engine.PreemptTimeout"/> writes counted when the timer was last armed.</summary>
    private long _preemptArmedWrites;
    private long _preemptions;
    private readonly Action<Request> _cancelBanned;
    private readonly Func<Request, bool> _droppableBanned;

    /// <summary>0 awake; <see cref="SleepingIdle"/> asleep with no work; <see cref="SleepingInBatch"/> dozing inside a batch.</summary>
    private int _sleeping;
    private const int SleepingIdle = 2;
    private const int SleepingInBatch = 1;
    private int _parkRequests;
    private bool _parked;

    /// <summary>
    /// Asleep on the doorbell at a safe point (idle, or backing off in a spinning batch). A dozing engine counts as
    /// parked: it touches nothing engine-owned while asleep, and on waking it parks for real, under the same monitor
    /// hold, if a park is pending. Parking it therefore does not wait for its thread to be scheduled. Guarded by
    /// <see cref="_park"/>.
    /// </summary>
    private bool _dozing;
    private long _resetGeneration;

    /// <summary>
    /// Set by <see cref="ResetCancelWhenStopped"/> for an engine the wedge could not park: the engine thread cancels
    /// everything it holds at its next safe point (see <see cref="CancelHeldOnThread"/>).
    /// </summary>
    private int _cancelPending;

    /// <summary>Test hook: while set, the engine thread is held between safe points, deaf to parks (see <see cref="HoldBetweenSafePoints"/>).</summary>
    private ManualResetEventSlim? _heldBetweenSafePoints;
    private volatile bool _stopping;
    private long _submitted;
    private long _completed;
    private long _faults;

    /// <summary>Creates and starts the engine thread.</summary>
    public ExeclistsEngine(EngineId id, Ggtt ggtt, EngineOptions? options = null, WakeGroup? wakeGroup = null)
        : base(id)
    {
        _options = options ?? new EngineOptions();
        _wakeGroup = wakeGroup ?? new WakeGroup();
        _breadcrumbs.Fault = e => CallbackFault?.Invoke(this, e);
        _cs = new CommandStreamer(ggtt, this);
        TimesliceDuration = _options.TimesliceDuration;
        Props.MaxBusywaitDurationNs = _options.MaxBusywaitDurationNs;
        _cancelBanned = rq =>
        {
            CancelOnCpu(rq);
            Interlocked.Increment(ref _completed);
        };
        // A banned context's queued request, if nothing earlier of its timeline is unfinished on this engine: the
        // first of its timeline in the queue (an earlier one queued goes first, in this same pass), and not behind
        // the request running now. Completing it ahead of an earlier request that still runs would signal one
        // context's fences out of order, and the reservations (which keep the later fence of a context) would call
        // an object idle while the earlier batch still writes it; __i915_request_submit skips banned requests in
        // ring order.
        _droppableBanned = rq => !rq.IsPulse && rq.Context.IsBannedOn(rq.Engine) && !rq.IsSignaled && !rq.IsCompleted
            && rq.Timeline.SchedFirst == rq && Volatile.Read(ref _active)?.Timeline != rq.Timeline;
        _thread = new Thread(Run) { Name = id.Name(), IsBackground = true };
        _thread.Start();
    }

    /// <inheritdoc/>
    public override Request? Active => Volatile.Read(ref _active);

    /// <inheritdoc/>
    public override long Activations => Volatile.Read(ref _activations);

    /// <summary>Written by the engine thread only (<see cref="Execute"/>).</summary>
    private long _activations;

    /// <inheritdoc/>
    public override uint Head => _cs.Head;

    /// <inheritdoc/>
    public override EngineFault? LastFault => _cs.LastFault;

    /// <inheritdoc/>
    public override long Submitted => Interlocked.Read(ref _submitted);

    /// <inheritdoc/>
    public override long Completed => Interlocked.Read(ref _completed);

    /// <inheritdoc/>
    public override long Faults => Interlocked.Read(ref _faults);

    /// <inheritdoc/>
    public override long Instructions => _cs.Instructions;

    /// <summary>Batches taken off the engine at an arbitration point for another request (statistics, tests).</summary>
    public long Preemptions => Interlocked.Read(ref _preemptions);

    /// <summary>Requests put on hold for their error capture so far (<see cref="Hold"/>; statistics, tests).</summary>
    public long Holds => Interlocked.Read(ref _holds);

    /// <summary>
    /// Times a submitter (or a priority raise, a park, a ban) found the engine thread asleep and rang its doorbell: the
    /// wake-ups the submission path cost (statistics, the bench). Counted on that slow path only.
    /// </summary>
    public long DoorbellRings => Interlocked.Read(ref _doorbellRings);

    /// <summary>Doorbell rings whose wake-up was steered onto the ringing thread's CPU (<see cref="EngineOptions.WakeOnSubmitterCpu"/>).</summary>
    public long SteeredWakeups => _wakeAffinity.Steers;

    /// <summary>Signals of this engine whose fence callbacks threw (see <see cref="Engine.CallbackFault"/>).</summary>
    public long CallbackFaults => _breadcrumbs.CallbackFaults;

    /// <summary>The engine thread's wake steering, for tests.</summary>
    internal WakeAffinity WakeAffinityForTest => _wakeAffinity;

    /// <summary>The GT's awake-engine count this engine belongs to, for tests.</summary>
    internal WakeGroup WakeGroupForTest => _wakeGroup;
    private long _doorbellRings;

    /// <inheritdoc/>
    public override bool IsParked { get { using (_park.Acquire()) { return _parked || _dozing; } } }

    /// <summary>Reset generation: bumped by every reset of this engine; a parked batch aborts when it changed.</summary>
    public override long ResetGeneration => Interlocked.Read(ref _resetGeneration);

    /// <summary>Queues a request for execution (the default <see cref="Engine.SubmitRequest"/>). Lock-free.</summary>
    public override void Queue(Request rq)
    {
        Interlocked.Increment(ref _submitted);
        _port.Enqueue(rq);
        Kick();
    }

    /// <inheritdoc/>
    public override void Schedule(Request rq, int priority)
    {
        // i915_schedule only ever raises a priority.
        if (!rq.RaisePriority(priority))
        {
            return;
        }

        _reschedule.Enqueue(rq);
        Kick();
    }

    /// <summary>
    /// Asks the engine to drop the queued requests of banned contexts at its next arbitration point, ahead of work
    /// queued before them (-EIO, signalled at once), as i915's scheduler does when it next picks (a timeslice or a
    /// preemption): a closed context's work does not wait behind another context's long batch. The running batch is
    /// left alone, and a request queued behind an unfinished one of its own timeline keeps its place.
    /// </summary>
    public override void SkipBannedQueued()
    {
        Volatile.Write(ref _skipBanned, 1);
        Kick();
    }

    /// <inheritdoc/>
    public override Request? PreemptTarget => Volatile.Read(ref _preemptTarget);

    // ---- parking (IStoppable) -------------------------------------------------------------------------------

    /// <summary>
    /// First half of <see cref="Engine.Park(TimeSpan)"/>: asks the thread to park without waiting, so several engines can be
    /// asked at once and their parking overlaps. Must be followed by <see cref="WaitParked"/>.
    /// </summary>
    public override void RequestPark()
    {
        if (Thread.CurrentThread == _thread)
        {
            throw new InvalidOperationException($"{Name} cannot park itself");
        }

        using (_park.Acquire())
        {
            _parkRequests++;
        }

        Kick();
    }

    /// <summary>
    /// Second half of <see cref="Engine.Park(TimeSpan)"/>: waits for the thread to be parked. On timeout the request made by
    /// <see cref="RequestPark"/> is withdrawn and false returned.
    /// </summary>
    public override bool WaitParked(TimeSpan timeout)
    {
        // wait_for_completion of the park: ordered after every lock this thread holds (cross-release's wait side).
        s_parkHandshake.Wait();
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        using (_park.Acquire())
        {
            while (!_parked && !_dozing)
            {
                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0 || _stopping)
                {
                    _parkRequests--;
                    _park.PulseAll();
                    return _parked || _dozing;
                }
                _park.Wait((int)Math.Max(1, remaining * 1000 / Stopwatch.Frequency));
            }

            AssertInvariants();
            return true;
        }
    }

    /// <summary>Parks with the default timeout.</summary>
    public bool Park() => Park(_options.ParkTimeout);

    /// <summary>Releases one park; the thread resumes when none remain.</summary>
    public override void Unpark()
    {
        using (_park.Acquire())
        {
            if (_parkRequests == 0)
            {
                throw new InvalidOperationException($"{Name} is not parked");
            }

            if (--_parkRequests == 0)
            {
                _park.PulseAll();
            }

            AssertInvariants();
        }
    }

    /// <summary>
    /// The park handshake's state and the engine's accounting, checked in Debug builds under <see cref="_park"/>:
    /// park requests never go negative, a thread is never parked and dozing at once, and no more requests have left
    /// the engine than reached it (read in that order, so a concurrent submit cannot make it look otherwise).
    /// </summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_parkRequests >= 0, $"{Name}: {_parkRequests} park requests");
        Debug.Assert(!(_parked && _dozing), $"{Name}: parked and dozing at once");
        long completed = Completed;
        long submitted = Submitted;
        Debug.Assert(completed <= submitted, $"{Name}: {completed} requests left the engine but only {submitted} reached it");
    }

    /// <summary>
    /// complete() of the park handshake (cross-release's commit): a parker waits for what this thread holds now.
    /// Engine thread, at a safe point, engine->park not held.
    /// </summary>
    private void CompleteParkHandshake()
    {
        DriverMutex? held = Volatile.Read(ref _heldAtParkForTest);
        if (held is null)
        {
            s_parkHandshake.Complete();
        }
        else
        {
            using (held.Acquire())
            {
                s_parkHandshake.Complete();
            }
        }

        // Counted once the commit is recorded and the test lock released.
        Interlocked.Increment(ref _parkCompletions);
    }

    /// <summary>
    /// Test hook: the engine thread holds <paramref name="mutex"/> whenever it completes the park handshake (at its
    /// next park or doze), as a driver bug holding a lock across a safe point would; null removes it.
    /// </summary>
    internal void HoldAtParkForTest(DriverMutex? mutex) => Volatile.Write(ref _heldAtParkForTest, mutex);

    /// <summary>Times the engine thread completed the park handshake (parked or dozed), for tests.</summary>
    internal int ParkCompletionsForTest => Volatile.Read(ref _parkCompletions);
    private int _parkCompletions;

    /// <summary>
    /// Safe point, called by the engine thread between requests and by the command streamer inside batches. Returns
    /// true when the engine was reset while parked here: the current batch must be abandoned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool SafePoint()
    {
        // Written only by this thread; read racily by the heartbeat as a measure of "the engine got CPU time".
        Volatile.Write(ref _safePoints, _safePoints + 1);
        if (Volatile.Read(ref _heldBetweenSafePoints) is { } hold)
        {
            HeldBetweenSafePoints(hold);
        }

        if ((Volatile.Read(ref _parkRequests) != 0 && ParkHere()) || Volatile.Read(ref _cancelPending) != 0)
        {
            return true;
        }

        if (_inBatch)
        {
            PreemptTimer();
        }

        return false;
    }

    /// <summary>
    /// Safe points passed so far: how far the engine thread has actually run. Hang detection measures timeouts in
    /// this progress as well as in wall time, because a simulated engine only runs when its thread gets a CPU.
    /// </summary>
    public override long SafePoints => Volatile.Read(ref _safePoints);
    private long _safePoints;

    private bool ParkHere()
    {
        CompleteParkHandshake();
        long generation = Interlocked.Read(ref _resetGeneration);
        using (_park.Acquire())
        {
            _parked = true;
            _park.PulseAll();
            while (_parkRequests > 0 && !_stopping)
            {
                _park.Wait();
            }

            _parked = false;
        }
        // The monitor exit above is the acquire side of the handshake: whatever the parker changed (queues, Active,
        // request fields) is visible from here on. The other side is the parker's own monitor use in Park/Unpark.
        return Interlocked.Read(ref _resetGeneration) != generation;
    }

    // ---- engine->reset: rewind and cancel run on a prepared (parked) engine -------------------------------------

    /// <inheritdoc/>
    public override void ResetRewind(bool stalled, IRequestReset reset)
    {
        AssertParked();
        // The hardware reset: a batch parked mid-way is abandoned when the engine resumes.
        Interlocked.Increment(ref _resetGeneration);
        Request? active = Active;
        List<Request> requests = TakeHeld();
        int finished = 0;
        foreach (Request rq in requests)
        {
            if (!RewindOne(rq, active, stalled, reset))
            {
                finished++;
                continue;
            }
            // Back in execution order: each timeline's requests stay in seqno order, and everything rewound is
            // ahead of submissions its engine had not yet seen (the port drained into this list too). A timeline on
            // hold keeps its newcomers on the hold list.
            Admit(rq);
        }
        // Counted only now, with every one of them signalled: the engine never looks idle mid-rewind. The replayed ones
        // are counted when they execute again.
        Interlocked.Add(ref _completed, finished);
        AssertInvariants();
    }

    /// <summary>
    /// Everything the engine holds, in execution order (the signal list with the active request, the priority queue
    /// in the order it would run, then the submission queue), leaving it holding nothing: the engine thread itself, or whoever parked it (the park
    /// handshake orders those accesses). The taken requests still count as outstanding (<see cref="Engine.IsBusy"/> stays
    /// true) until the caller signals or requeues them.
    /// </summary>
    private List<Request> TakeHeld()
    {
        var all = new List<Request>();
        _breadcrumbs.Drain(all);
        Request? active = Active;
        if (active is not null && !all.Contains(active))
        {
            all.Insert(0, active);
        }

        _sched.Drain(all);
        while (_port.TryDequeue(out Request? rq))
        {
            all.Add(rq);
        }

        _reschedule.Clear();
        Volatile.Write(ref _active, null);
        // cancel_port_requests: the timers go with the ports.
        DisarmPreemptTimer();
        return all;
    }

    /// <inheritdoc/>
    public override void ResetCancel()
    {
        AssertParked();
        Backend?.ResetCancel();
        // A cancel left pending by a wedge that found this engine running (ResetCancelWhenStopped) is done here: the
        // engine parked at a safe point before its thread looked at the flag (a park is answered first). Left set, it
        // would cancel, once the engine resumes, whatever an unwedge let through meanwhile.
        Interlocked.Exchange(ref _cancelPending, 0);
        Interlocked.Increment(ref _resetGeneration);
        CancelHeld();
        AssertInvariants();
    }

    /// <summary>
    /// From the engine's next safe point its thread abandons the batch it runs and cancels everything it holds, -EIO,
    /// as <see cref="ResetCancel"/> would have done while parked. The caller has already made sure nothing new reaches
    /// this engine's queue (the nop handler is installed and a grace period passed), so what the engine finds then is
    /// everything it will ever hold until it is unwedged.
    /// </summary>
    public override void ResetCancelWhenStopped()
    {
        Backend?.ResetCancel();
        Interlocked.Exchange(ref _cancelPending, 1);
        Interlocked.Increment(ref _resetGeneration);
        Kick();
        _doorbell.Set();
    }

    /// <inheritdoc/>
    public override bool IsCancelPending => Volatile.Read(ref _cancelPending) != 0;

    /// <summary>
    /// Test hook for hardware that does not stop: the engine thread is held at its next safe point, before it looks
    /// at park requests or cancels, until <paramref name="release"/> is set, so parks time out as they would on an
    /// engine stuck in a non-preemptible batch. Null removes the hook.
    /// </summary>
    public void HoldBetweenSafePoints(ManualResetEventSlim? release) => Volatile.Write(ref _heldBetweenSafePoints, release);

    /// <summary>Whether the engine thread sits in the <see cref="HoldBetweenSafePoints"/> hook now.</summary>
    public bool IsHeldBetweenSafePoints => Volatile.Read(ref _inHold) != 0;
    private int _inHold;

    private void HeldBetweenSafePoints(ManualResetEventSlim release)
    {
        Volatile.Write(ref _inHold, 1);
        try
        {
            while (!release.Wait(50) && !_stopping)
            {
            }
        }
        finally
        {
            Volatile.Write(ref _inHold, 0);
        }
    }

    /// <summary>The engine->reset steps' precondition (GEM_BUG_ON): the engine is stopped, so its state is the caller's.</summary>
    [Conditional("DEBUG")]
    private void AssertParked()
    {
        using (_park.Acquire())
        {
            Debug.Assert(_parked || _dozing || _stopping || !_thread.IsAlive, $"{Name} is not prepared for a reset (not parked)");
        }
    }

    // ---- the engine thread ------------------------------------------------------------------------------------

    private void Run()
    {
        SetCurrent(this);
        _wakeGroup.Woke();
        if (_options.WakeOnSubmitterCpu)
        {
            _wakeAffinity.Register();
        }

        try
        {
            while (!_stopping)
            {
                SafePoint();
                if (Volatile.Read(ref _cancelPending) != 0)
                {
                    CancelHeldOnThread();
                }

                PullQueued();
                Request? rq = _sched.Pop();
                if (rq is null) { Idle(); continue; }
                // A steer that raced this thread's wake-up (the waker narrowed after the thread had already widened)
                // is undone here at the latest, not at the next sleep, which a busy engine may not reach for long.
                _wakeAffinity.RestoreIfSteered();
                Execute(rq);
            }
        }
        finally
        {
            // A cancel that arrived as the engine stopped is still owed: every fence signals.
            if (Volatile.Read(ref _cancelPending) != 0)
            {
                CancelHeldOnThread();
            }

            // Releases that came too late to matter still drop the references they carry.
            while (_unholds.TryDequeue(out Request? late))
            {
                late.Put();
            }

            using (_park.Acquire()) { _parked = true; _park.PulseAll(); }
            _wakeGroup.Sleeps();
            Lockdep.Default.ThreadExit();
        }
    }

    /// <summary>
    /// The engine thread's half of <see cref="ResetCancelWhenStopped"/>, at a safe point: everything held is cancelled
    /// (<see cref="CancelHeld"/>).
    /// </summary>
    private void CancelHeldOnThread()
    {
        Interlocked.Exchange(ref _cancelPending, 0);
        CancelHeld();
    }

    /// <summary>
    /// Cancels everything the engine holds (the abandoned active request, the signal list, the replay queue, the
    /// submission queue) with -EIO and signals it; only then, with every one of them signalled, are they counted as
    /// retired, so the engine never looks idle with a fence still pending. Engine thread, or whoever parked it.
    /// </summary>
    private void CancelHeld()
    {
        List<Request> held = TakeHeld();
        // execlists_reset_cancel marks the held requests -EIO for their release; here they are cancelled with the
        // rest at once, so that a wedge (the unload's included) leaves no fence waiting on a capture.
        foreach (Request rq in _onHold)
        {
            rq.Timeline.HeldBy = null;
            held.Add(rq);
        }

        _onHold.Clear();
        foreach (Request rq in held)
        {
            if (!rq.IsSignaled)
            {
                CancelOnCpu(rq);
            }
        }

        Interlocked.Add(ref _completed, held.Count);
    }

    private void Execute(Request rq)
    {
        if (rq.IsSignaled || rq.IsCompleted)
        {
            // Already finished elsewhere: a pulse that ran through preemption, or a request cancelled on the CPU.
            // Signal it if that has not happened yet: every fence signals.
            if (!rq.IsSignaled)
            {
                CompleteOnCpu(rq);
            }

            Interlocked.Increment(ref _completed);
            return;
        }
        // __i915_request_submit marks the request active for its execute callbacks (I915_EXEC_FENCE_SUBMIT waiters)
        // before the barrier below, which also orders that flag before NotifyExecute's read of the callback list.
        rq.MarkExecuting();
        // Before Active: a reader that sees this request active sees at least this activation.
        Volatile.Write(ref _activations, _activations + 1);
        // Full barrier between publishing Active and reading the ban (pairs with the ban's Interlocked write, made
        // before the context is revoked): either the revoke sees this request active, or we see the ban here.
        Interlocked.Exchange(ref _active, rq);
        if (rq.Context.IsBannedOn(rq.Engine) && !rq.Skip)
        {
            // A banned context's queued work is skipped at submission to the hardware (__i915_request_submit).
            rq.SetErrorOnce(-Errno.EIO);
            rq.Skip = true;
        }
        // __notify_execute_cb: submit-fence waiters go now, while this one starts (a skipped one hands down its error).
        rq.NotifyExecute();
        _breadcrumbs.Add(rq);
        if (!rq.Skip && !rq.IsPulse)
        {
            long now = Stopwatch.GetTimestamp();
            if (!rq.Started)
            {
                rq.Started = true;
                rq.StartedTimestamp = now;
            }
            else if (rq.Replays > 0 && !rq.HasResumeAddress)
            {
                rq.ReplayStartedTimestamp = now;
            }
            // A fresh timeslice for every request put on the engine (start_timeslice).
            _sliceStart = now;
            _inBatch = true;
            ExecStatus status;
            try
            {
                status = _cs.Run(rq);
            }
            finally
            {
                _inBatch = false;
                DisarmPreemptTimer();
            }

            if (status == ExecStatus.Aborted)
            {
                return;
            }

            if (status == ExecStatus.Preempted)
            {
                Unsubmit(rq);
                return;
            }

            if (status == ExecStatus.Faulted && HandleFault(rq))
            {
                return;
            }
        }
        // Breadcrumb, then the interrupt: no safe point in between, so a reset never sees a written breadcrumb
        // whose request is still Active.
        rq.Timeline.WriteBreadcrumb(rq.Seqno);
        Volatile.Write(ref _active, null);
        Interlocked.Increment(ref _completed);
        // The last request of a burst on an otherwise idle GT: a waiter asleep on it is woken onto this CPU, which
        // this thread is about to leave idle, rather than onto a halted one (WakeAffinity). With more queued, or
        // another engine awake, the waiter is left to the scheduler: a submitter queued behind a busy engine thread
        // would only slow both down.
        if (_options.WakeOnSubmitterCpu && _sched.Count == 0 && _port.IsEmpty && _wakeGroup.Awake == 1)
        {
            DmaFence.SteerWaiterWakeups = true;
            try
            {
                _breadcrumbs.Interrupt();
            }
            finally
            {
                DmaFence.SteerWaiterWakeups = false;
            }
        }
        else
        {
            _breadcrumbs.Interrupt();
        }
    }

    /// <summary>Returns true when the batch was abandoned by a reset.</summary>
    private bool HandleFault(Request rq)
    {
        Interlocked.Increment(ref _faults);
        Action<Engine, EngineFault>? handler = ErrorInterrupt;
        if (handler is null)
        {
            rq.SetErrorOnce(-Errno.EIO);
            return false;
        }
        handler(this, _cs.LastFault!);
        // The hardware stops at a fault: stay here until hang recovery resets the engine.
        while (!_stopping)
        {
            if (SafePoint() || Doze(TimeSpan.FromMilliseconds(50), stalled: true))
            {
                return true;
            }
        }
        return true;
    }

    /// <summary>
    /// The preempted request leaves the engine (execlists_unwind_incomplete_requests): off the signal list, back into
    /// the queue ahead of its timeline's newer requests; to the tail of its priority when its timeslice expired, to
    /// the head when a higher priority took the engine. It resumes at its <c>ResumeAddress</c>.
    /// </summary>
    private void Unsubmit(Request rq)
    {
        _breadcrumbs.RemoveLast(rq);
        Volatile.Write(ref _active, null);
        _sched.Requeue(rq, timesliceExpired: _switchForTimeslice);
        Interlocked.Increment(ref _preemptions);
    }

    /// <summary>Why the last arbitration point gave the engine away: an expired timeslice (else a higher priority).</summary>
    private bool _switchForTimeslice;

    /// <summary>need_preempt's floor: a queued request preempts only above max(active, NORMAL - 1).</summary>
    private const int NormalPriorityFloor = -1;

    /// <summary>
    /// Engine thread only (it owns the queues): takes in new submissions and raised priorities, and drops banned work
    /// when asked to. The kernel does this bookkeeping on the submitting CPU under the engine's lock; here it is done
    /// wherever the engine thread looks, which orders it without one.
    /// </summary>
    private void PullQueued()
    {
        while (_port.TryDequeue(out Request? rq))
        {
            Admit(rq);
        }

        while (_unholds.TryDequeue(out Request? held))
        {
            ReleaseHold(held);
            held.Put();
        }

        while (_reschedule.TryDequeue(out Request? rq))
        {
            _sched.Reschedule(rq);
        }

        if (Volatile.Read(ref _skipBanned) != 0)
        {
            DropBannedQueued();
        }
    }

    /// <summary>
    /// Whether anything waits for the engine thread to take it in (<see cref="PullQueued"/>): a submission, a raised
    /// priority, a released hold, a ban to apply.
    /// </summary>
    private bool HasQueued => !_port.IsEmpty || !_reschedule.IsEmpty || !_unholds.IsEmpty || Volatile.Read(ref _skipBanned) != 0;

    /// <summary>
    /// Takes a submitted or rewound request into the queue, or onto the hold list when its timeline is held there
    /// (ancestor_on_hold: a request behind a held one of its timeline must not overtake it). Engine thread, or whoever
    /// parked it.
    /// </summary>
    private void Admit(Request rq)
    {
        if (rq.Timeline.HeldBy == this)
        {
            _onHold.Add(rq);
        }
        else
        {
            _sched.Add(rq);
        }
    }

    /// <inheritdoc/>
    public override bool Hold(Request rq)
    {
        AssertParked();
        // A request that is not queued here (complete, signalled, or never on this engine) has nothing to hold; the
        // rewind put an unfinished one back as the first of its timeline (the ones before it are complete).
        if (rq.IsSignaled || rq.IsCompleted || rq.SchedList is null || rq.Timeline.SchedFirst != rq)
        {
            return false;
        }

        Timeline tl = rq.Timeline;
        for (Request? r = rq; r is not null;)
        {
            Request? next = r.SchedTimelineNext;
            _sched.Remove(r);
            _onHold.Add(r);
            r = next;
        }

        tl.HeldBy = this;
        Interlocked.Increment(ref _holds);
        return true;
    }

    /// <inheritdoc/>
    public override void Unhold(Request rq)
    {
        // Dropped by the engine thread once it has looked (PullQueued).
        _unholds.Enqueue(rq.Get());
        Kick();
    }

    /// <summary>
    /// execlists_unhold's requeue: when <paramref name="rq"/> is on hold here, the held requests of its timeline, in
    /// their order, back into the queue; nothing when a cancel has already taken it (and whatever holds its timeline
    /// now belongs to another capture). Engine thread.
    /// </summary>
    private void ReleaseHold(Request rq)
    {
        Timeline tl = rq.Timeline;
        if (tl.HeldBy != this || !_onHold.Contains(rq))
        {
            return;
        }

        tl.HeldBy = null;
        int kept = 0;
        for (int i = 0; i < _onHold.Count; i++)
        {
            Request r = _onHold[i];
            if (r.Timeline == tl)
            {
                _sched.Add(r);
            }
            else
            {
                _onHold[kept++] = r;
            }
        }

        _onHold.RemoveRange(kept, _onHold.Count - kept);
    }

    /// <summary>
    /// Whether something queued should take the engine from <paramref name="active"/> now: 1 for a higher priority
    /// (need_preempt: above max(active, NORMAL - 1)), 2 for an equal or higher one once the active request has had
    /// its timeslice (timeslice_expired), 0 otherwise. The active timeline's own queued requests never count: they
    /// run after it.
    /// </summary>
    private int WantsSwitch(Request active, long now, bool yielding = false)
    {
        int other = _sched.BestOtherPriority(active.Timeline);
        if (other == int.MinValue)
        {
            return 0;
        }

        int prio = active.Priority;
        if (other > Math.Max(prio, NormalPriorityFloor))
        {
            return 1;
        }

        long slice = TimesliceDuration.Ticks;
        // timeslice_expired: the slice ran out, or the batch gave it up (timeslice_yield: it is polling an unsatisfied
        // semaphore, which the hardware reports with the semaphore-wait interrupt).
        if (other >= prio && slice > 0 && (yielding || Stopwatch.GetElapsedTime(_sliceStart, now).Ticks >= slice))
        {
            return 2;
        }

        return 0;
    }

    /// <summary>
    /// Arbitration point, on the engine thread inside a batch: true when the batch must give the engine to another
    /// request now (the command streamer then returns <see cref="ExecStatus.Preempted"/>). With
    /// <paramref name="semaphoreYield"/> the batch waits on an unsatisfied MI_SEMAPHORE_WAIT and offers the rest of
    /// its timeslice to a queued request of equal priority (execlists' yield on the semaphore-wait interrupt), so
    /// batches taking turns through semaphores on one engine switch at each wait, not at each timeslice.
    /// </summary>
    internal bool ArbitrationPoint(bool semaphoreYield = false)
    {
        PullQueued();
        Request? active = _active;
        if (active is null || _sched.Count == 0)
        {
            return false;
        }

        int why = WantsSwitch(active, Stopwatch.GetTimestamp(), semaphoreYield);
        _switchForTimeslice = why == 2;
        return why != 0;
    }

    /// <summary>
    /// Engine-owned: MI_SEMAPHORE_WAITs passed on this engine, counted from 1 (a request's yield mark starts at 0);
    /// see <see cref="Request.SemaphoreYieldMark"/>.
    /// </summary>
    internal long SemaphorePasses { get; private set; } = 1;

    /// <summary>Counts a passed semaphore (engine thread).</summary>
    internal void SemaphorePassed() => SemaphorePasses++;

    /// <summary>Safe points a batch must pass with its preempt timer expired before the timer fires.</summary>
    private const long MinPreemptProgress = 4;

    /// <summary>
    /// The preempt timer, looked at by the engine thread at every safe point inside a batch. When a switch is wanted
    /// the batch would take at its next arbitration point, the timer is armed against the active request
    /// (set_preempt_timeout: the sysfs preempt timeout, or <see cref="Engine.BannedPreemptTimeout"/> for a banned
    /// context); a batch that yields never lets it expire. Expired with that request still active — and with the
    /// engine having run a few safe points since it was armed, so a host that merely descheduled the engine thread
    /// does not count as a batch refusing to yield — it raises <see cref="Engine.PreemptTimeoutInterrupt"/> once.
    /// </summary>
    private void PreemptTimer()
    {
        Request active = _active!;
        // A request a capture released from hold counts as much as a new submission (execlists_unhold kicks the
        // submission tasklet): a batch that never reaches an arbitration point would otherwise keep it waiting.
        if (_sched.Count == 0 && _port.IsEmpty && _reschedule.IsEmpty && _unholds.IsEmpty)
        {
            if (_preemptTarget is not null)
            {
                DisarmPreemptTimer();
            }

            return;
        }

        PullQueued();
        long now = Stopwatch.GetTimestamp();
        if (WantsSwitch(active, now) == 0)
        {
            DisarmPreemptTimer();
            return;
        }

        bool banned = active.Context.IsBannedOn(active.Engine);
        long writes = PreemptTimeoutWrites;
        if (_preemptTarget != active || (banned && !_preemptArmedBanned)
            || (writes != _preemptArmedWrites && !_preemptFired && !banned))
        {
            // Armed afresh, or re-armed with the short timeout once the context is banned (kill_engines' pulse), or
            // restarted with a preempt_timeout_ms written meanwhile (preempt_timeout_store: set_timer_ms on the
            // pending preemption; 0 stops it).
            _preemptArmedWrites = writes;
            TimeSpan timeout = banned ? BannedPreemptTimeout : PreemptTimeout;
            _preemptTimeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            _preemptArmedAt = now;
            _preemptArmedProgress = _safePoints;
            _preemptArmedBanned = banned;
            _preemptFired = false;
            Volatile.Write(ref _preemptTarget, active);
            PreemptArmed?.Invoke(this);
            return;
        }

        if (!_preemptFired && _preemptTimeoutTicks > 0 && now - _preemptArmedAt >= _preemptTimeoutTicks
            && _safePoints - _preemptArmedProgress >= MinPreemptProgress)
        {
            _preemptFired = true;
            PreemptTimeoutInterrupt?.Invoke(this, active);
        }
    }

    private void DisarmPreemptTimer()
    {
        _preemptFired = false;
        Volatile.Write(ref _preemptTarget, null);
    }

    /// <summary>
    /// Engine thread only (it owns the queues): cancels queued requests of banned contexts, keeping the order of
    /// everything else, and of each timeline: a request behind an earlier one of its timeline that still runs keeps
    /// its place, and is skipped in its turn (<see cref="Execute"/>'s ban check).
    /// </summary>
    private void DropBannedQueued()
    {
        Volatile.Write(ref _skipBanned, 0);
        while (_port.TryDequeue(out Request? queued))
        {
            Admit(queued);
        }

        _sched.RemoveWhere(_droppableBanned, _cancelBanned);
    }

    private void Idle()
    {
        if (_options.BusyPoll)
        {
            Thread.SpinWait(20);
            return;
        }

        if (IdleSpin())
        {
            return;
        }

        _doorbell.Reset();
        Volatile.Write(ref _sleeping, SleepingIdle);
        // Full barrier: the _sleeping store must be visible before we look at the queue once more. The other side is
        // the barrier in Kick(), between a submitter's channel write and its read of _sleeping.
        Interlocked.MemoryBarrier();
        if (HasQueued)
        {
            Volatile.Write(ref _sleeping, 0);
            return;
        }

        SleepParked(TimeSpan.FromMilliseconds(100));

        Volatile.Write(ref _sleeping, 0);
    }

    /// <summary>
    /// Before sleeping, keeps looking for work for <see cref="EngineOptions.IdleSpinNs"/>: true as soon as anything the
    /// thread must act on arrives (a submission, a raised priority, a ban to apply, a park, a cancel, the stop), so
    /// the run loop takes it without the submitter having to wake this thread. Not marked asleep meanwhile, so
    /// <see cref="Kick"/> rings nothing; a park request is answered by the run loop's next safe point.
    /// </summary>
    private bool IdleSpin()
    {
        long ns = _options.IdleSpinNs;
        if (ns <= 0)
        {
            return false;
        }

        long end = Stopwatch.GetTimestamp() + (long)(ns * (double)Stopwatch.Frequency / 1e9);
        var spin = new SpinWait();
        while (true)
        {
            if (HasQueued
                || Volatile.Read(ref _parkRequests) != 0 || Volatile.Read(ref _cancelPending) != 0 || _stopping)
            {
                return true;
            }

            if (Stopwatch.GetTimestamp() >= end)
            {
                return false;
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>
    /// Waits on the doorbell (already reset, <see cref="_sleeping"/> already published) as a dozing, i.e. parkable,
    /// engine; on waking, parks for real if a park arrived meanwhile. Engine thread, at a safe point only.
    /// </summary>
    private void SleepParked(TimeSpan timeout)
    {
        // A submitter's steering that raced with an earlier wake-up is undone here at the latest.
        _wakeAffinity.RestoreIfSteered();
        // A dozing engine counts as parked: this is a completion of the handshake too.
        CompleteParkHandshake();
        using (_park.Acquire())
        {
            if (_parkRequests > 0 || _stopping)
            {
                return;
            }

            _dozing = true;
        }
        _wakeGroup.Sleeps();
        _doorbell.Wait(timeout);
        _wakeGroup.Woke();
        _wakeAffinity.RestoreIfSteered();
        using (_park.Acquire())
        {
            _dozing = false;
            // The parker may already be working on engine-owned state, believing us parked: stay parked until it
            // is done, before returning to anything that touches that state.
            if (_parkRequests > 0 && !_stopping)
            {
                _parked = true;
                _park.PulseAll();
                while (_parkRequests > 0 && !_stopping)
                {
                    _park.Wait();
                }

                _parked = false;
            }
        }
    }

    /// <summary>
    /// Polling backoff for loops and semaphores in a batch: spin first, then yield, then doze on the doorbell, so a
    /// machine with more spinning engines than cores still makes progress (a CPU write ending a spinner is seen
    /// within about a millisecond) while a park request, which rings the doorbell, is answered at once.
    /// </summary>
    internal bool Backoff(ref long spins)
    {
        long n = ++spins;
        if (n < 64)
        {
            return false;
        }

        if (n < 512) { if ((n & 7) == 0) { Thread.Yield(); } return false; }
        // A long spinner dozes every time round: asleep it is parkable at once (a reset or wedge need not wait for
        // its thread to be scheduled) and it leaves the CPU to others; a CPU write ending it is seen within 1 ms.
        return Doze(TimeSpan.FromMilliseconds(1));
    }

    /// <summary>
    /// Sleeps up to <paramref name="timeout"/> at a safe point inside a batch, woken early by a park request, a
    /// preemption or a submission; parkable while asleep (see <see cref="_dozing"/>). Returns true when the engine
    /// was reset meanwhile: the batch must be abandoned before executing anything more.
    /// </summary>
    internal bool Doze(TimeSpan timeout) => Doze(timeout, stalled: false);

    /// <summary>
    /// <see cref="Doze(TimeSpan)"/>; with <paramref name="stalled"/> (the command streamer is stopped at a fault) it
    /// sleeps even with work queued or priorities raised: none of that can run before a reset, which parks the
    /// sleeping engine and wakes it, so looking at the queues would only spin the thread hot.
    /// </summary>
    private bool Doze(TimeSpan timeout, bool stalled)
    {
        long generation = Interlocked.Read(ref _resetGeneration);
        _doorbell.Reset();
        Volatile.Write(ref _sleeping, SleepingInBatch);
        // Full barrier: pairs with Kick(), so a submission, a raised priority or a park requested after this is not
        // slept through: the batch looks at them at its next safe point.
        Interlocked.MemoryBarrier();
        if (stalled || (_port.IsEmpty && _reschedule.IsEmpty && _unholds.IsEmpty))
        {
            SleepParked(timeout);
        }

        Volatile.Write(ref _sleeping, 0);
        return Interlocked.Read(ref _resetGeneration) != generation;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Kick()
    {
        // Pairs with the barrier in Idle(): either the engine sees our queued item, or we see it sleeping.
        Interlocked.MemoryBarrier();
        int sleeping = Volatile.Read(ref _sleeping);
        if (sleeping != 0)
        {
            Interlocked.Increment(ref _doorbellRings);
            // Only an idle engine on an idle GT. A batch dozing on the engine (a spinner) is not ended by the ring, so
            // nothing waits on this wake-up, and pulling its thread onto the submitter's CPU would only make the two
            // contend; with another engine awake, the machine's other CPUs are not halted and this engine would only
            // queue behind the submitter (WakeGroup).
            if (sleeping == SleepingIdle && _wakeGroup.Awake == 0)
            {
                _wakeAffinity.SteerToCurrentCpu();
            }

            _doorbell.Set();
        }
    }

    /// <summary>Stops the thread (bounded join).</summary>
    public override void Dispose()
    {
        _stopping = true;
        using (_park.Acquire())
        {
            _park.PulseAll();
        }

        _doorbell.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

}
