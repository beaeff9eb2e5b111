using System.Collections.Concurrent;
using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;
using Driver.Reset.Recovery;

namespace Driver.Reset.Hangcheck;

/// <summary>
/// Hang detection by heartbeat (intel_engine_heartbeat.c) on one thread for all engines. A busy engine gets a
/// kernel pulse each interval, at the lowest priority. A pulse still pending one interval later has its priority
/// raised through the engine's scheduler (heartbeat(): MIN → NORMAL → HEARTBEAT → BARRIER): at NORMAL it already
/// shares the engine by timeslicing, above the running work it preempts it. A batch that will not yield (no
/// arbitration point) is caught by the engine's preempt timer, which the engine arms when the pulse cannot get in
/// and which reports here ("preemption time out"); a pulse stuck at BARRIER for one more period (at least twice the
/// preempt timeout: next_heartbeat's final extension) gets "stopped heartbeat". Engine faults (error interrupts) are
/// reported at once where engine reset is available; otherwise the faulted engine is left to the heartbeat.
/// </summary>
public sealed class Heartbeat : IDisposable
{
    private readonly IntelGt _gt;
    private readonly GtReset _reset;
    private readonly ResetWorker _worker;
    private readonly EngineBeat[] _beats;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly long[] _intervalTicks = new long[EngineIds.Count];
    private readonly long _defaultIntervalTicks;

    /// <summary>Starts the heartbeat thread and installs the engines' error interrupt handlers.</summary>
    public Heartbeat(IntelGt gt, GtReset reset, ResetWorker worker)
    {
        _gt = gt;
        _reset = reset;
        _worker = worker;
        _beats = gt.Engines.Select(_ => new EngineBeat()).ToArray();
        for (int i = 0; i < _intervalTicks.Length; i++)
        {
            _intervalTicks[i] = ToTicks(reset.Config.HeartbeatInterval);
        }

        _defaultIntervalTicks = ToTicks(reset.Config.HeartbeatInterval);
        foreach (Engine engine in gt.Engines)
        {
            engine.ErrorInterrupt = OnEngineError;
            engine.CallbackFault = (e, ex) => _reset.Log.Fatal(ex, "a fence callback threw while {Engine} signalled", e.Name);
            engine.PreemptTimeout = reset.Config.PreemptTimeout;
            engine.PreemptTimeoutInterrupt = OnPreemptTimeout;
            engine.PreemptArmed = e => PreemptArmed?.Invoke(e.Id);
        }

        _thread = new Thread(Run) { Name = "heartbeat", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Pulses sent.</summary>
    public long Pulses => Interlocked.Read(ref _pulses);
    private long _pulses;

    /// <summary>Hangs reported to the reset worker.</summary>
    public long HangsReported => Interlocked.Read(ref _hangs);
    private long _hangs;

    /// <summary>
    /// Passes the heartbeat thread has completed over every engine. Each pass reads the clock and the settings
    /// afresh, so two passes after a change mean one ran entirely with it: how a test knows the heartbeat had its
    /// chance to act, however late a loaded machine ran its thread.
    /// </summary>
    public long Sweeps => Interlocked.Read(ref _sweeps);
    private long _sweeps;

    /// <summary>
    /// Raised on an engine's thread when it arms its preempt timer (a queued request, such as a raised pulse, waits
    /// to replace the running batch), before it runs on: for tests that must act at that very moment.
    /// </summary>
    public event Action<EngineId>? PreemptArmed;

    /// <summary>
    /// Raised on the heartbeat thread at each step of an engine's pulse ladder, with the pulse's new priority: the
    /// fresh pulse (<see cref="PulsePriority.Min"/>), then each raise (heartbeat()), announced just before the engine is told of it.
    /// </summary>
    public event Action<EngineId, int>? PulseStep;

    /// <summary>
    /// The i915.enable_hangcheck module parameter as the heartbeat reads it: off, a pulse is never raised nor a hang
    /// declared (heartbeat(): without enable_hangcheck the worker drops its systole and does not re-arm), and a revoked
    /// context's engine is reset at once, as with no heartbeat. The engines' preempt timers are not affected.
    /// </summary>
    public bool HangcheckEnabled
    {
        get => Volatile.Read(ref _hangcheckEnabled) != 0;
        set => Volatile.Write(ref _hangcheckEnabled, value ? 1 : 0);
    }
    private int _hangcheckEnabled = 1;

    /// <summary>
    /// Sets one engine's heartbeat interval, as a selftest writes engine->props.heartbeat_interval_ms
    /// (st_engine_heartbeat_disable): nothing else happens. Zero disables it. The sysfs write is
    /// <see cref="SetHeartbeat"/>.
    /// </summary>
    public void SetInterval(EngineId engine, TimeSpan interval) => Interlocked.Exchange(ref _intervalTicks[(int)engine], ToTicks(interval));

    /// <summary>
    /// intel_engine_set_heartbeat (sysfs heartbeat_interval_ms): sets the interval and, when it changed, "rechecks
    /// current execution" with a pulse at BARRIER priority (__intel_engine_pulse): whatever runs there must yield to
    /// it now, or the engine's preempt timer resets it, whatever the new interval (zero included). The pulse is
    /// submitted here, before the write returns, as the kernel's is: work the writer submits next comes after it
    /// (sent a tick later instead, it met IGT's hog submitted right after gem_engine_properties_configure, and reset
    /// it within one preempt timeout). The heartbeat thread, which owns its bookkeeping, then adopts it as its pulse
    /// if it has none (idle_pulse).
    /// </summary>
    public void SetHeartbeat(EngineId engine, TimeSpan interval)
    {
        long ticks = ToTicks(interval);
        if (Interlocked.Exchange(ref _intervalTicks[(int)engine], ticks) != ticks && !_reset.IsWedged)
        {
            _recheck.Enqueue((engine, SubmitBarrierPulse(engine), Stopwatch.GetTimestamp()));
        }
    }

    /// <summary>Pulses <see cref="SetHeartbeat"/> sent, for the heartbeat thread to adopt.</summary>
    private readonly ConcurrentQueue<(EngineId Engine, Request Pulse, long Sent)> _recheck = new();

    /// <summary>The engine's heartbeat interval.</summary>
    public TimeSpan GetInterval(EngineId engine) => TimeSpan.FromSeconds(Interlocked.Read(ref _intervalTicks[(int)engine]) / (double)Stopwatch.Frequency);

    /// <summary>
    /// Sets the preempt timeout (preempt_timeout_ms) of every engine; zero disables it. The heartbeat reads each
    /// engine's own value when it needs one (next_heartbeat reads engine->props), so a per-engine sysfs write counts too.
    /// </summary>
    public void SetPreemptTimeout(TimeSpan timeout)
    {
        foreach (Engine engine in _gt.Engines)
        {
            engine.PreemptTimeout = timeout;
        }
    }

    /// <summary>
    /// The engine's preempt timer expired with its target still running (execlists_submission_tasklet's
    /// ERROR_PREEMPT): reset the engine, unless the target has left the engine by the time the reset worker gets to
    /// it ("only allow ourselves to force reset the currently active context"). Without engine reset the timer is
    /// not armed in i915 (intel_engine_has_preempt_reset): the heartbeat escalates instead. Engine thread; never blocks.
    /// </summary>
    private void OnPreemptTimeout(Engine engine, Request target)
    {
        if (!_reset.CanResetEngine || _reset.IsWedged)
        {
            return;
        }

        Interlocked.Increment(ref _hangs);
        // On the engine thread, with the target running: alive, and this is its activation.
        // execlists_reset: an engine reset only, its failure left to the heartbeat (no full reset from here).
        _worker.Queue(engine.Id.Mask(), ErrorFlags.Capture, "preemption time out", target, activeOn: engine,
            activation: engine.Activations, engineOnly: true);
    }

    /// <summary>
    /// The engine's CS error interrupt (GT_CS_MASTER_ERROR_INTERRUPT → execlists_submission_tasklet → execlists_reset,
    /// "CS error"): that path only ever resets the one engine, and returns at once when engine reset is unavailable
    /// (intel_has_reset_engine: i915.reset &lt; 2). The engine then stays stopped at the fault with its request
    /// still active (busy) until something else recovers it: the heartbeat escalates to a full reset (a wedge with
    /// reset=0), or the user resets or wedges by hand. Engine thread; never blocks.
    /// </summary>
    private void OnEngineError(Engine engine, EngineFault fault)
    {
        if (!_reset.CanResetEngine || _reset.IsWedged)
        {
            return;
        }

        // Called on the engine thread, which then stalls at the fault: hand the hang over, never block here.
        Interlocked.Increment(ref _hangs);
        _worker.Queue(engine.Id.Mask(), ErrorFlags.Capture, $"{engine.Name} command streamer error: {fault}", fault.Request,
            engineOnly: true);
    }

    /// <summary>
    /// Revokes a closed, banned context from the engines (kill_engines): its queued work is dropped at each engine's
    /// next arbitration point; where it is running, a BARRIER pulse (intel_engine_pulse) preempts it at its next
    /// arbitration point (the engine then ends it with -EIO), and the engine's preempt timer, armed because the pulse
    /// cannot get in, is 1 ms for a banned context (INTEL_CONTEXT_BANNED_PREEMPT_TIMEOUT_MS): a batch that never
    /// yields is reset almost at once. Without a heartbeat the engine is reset at once.
    /// </summary>
    public void Revoke(GpuContext context) => _revokes.Enqueue(context);

    private readonly ConcurrentQueue<GpuContext> _revokes = new();

    private void ProcessRevokes(long now)
    {
        while (_revokes.TryDequeue(out GpuContext? ctx))
        {
            // Its work queued behind other contexts' batches is dropped at those engines' next arbitration point
            // (i915 picks again at the next timeslice and skips a banned context), not after the batches ahead.
            foreach (Timeline tl in ctx.Timelines)
            {
                if (tl.IsLastPending)
                {
                    _gt[tl.Engine].SkipBannedQueued();
                }
            }

            foreach (Engine engine in _gt.Engines)
            {
                Request? active = engine.GetActiveReference();
                if (active is null)
                {
                    continue;
                }

                EngineBeat beat = _beats[(int)engine.Id];
                try
                {
                    // Only where the context is banned: a closed context killed on one engine (its heartbeat was
                    // switched off) keeps its work on the others.
                    if (active.Context != ctx || !ctx.IsBannedOn(engine.Id))
                    {
                        continue;
                    }

                    if (Interlocked.Read(ref _intervalTicks[(int)engine.Id]) <= 0 || !HangcheckEnabled)
                    {
                        // Pinned by the reference: the generation of the request the engine still ran after the load.
                        _worker.Queue(engine.Id.Mask(), ErrorFlags.None, $"context {ctx} revoked on {engine.Name}", active,
                            blameGeneration: active.Generation);
                        continue;
                    }
                }
                finally
                {
                    active.Put();
                }

                BarrierPulse(engine, beat, now);
            }
        }
    }

    /// <summary>
    /// __intel_engine_pulse: a pulse at BARRIER priority, the heartbeat's own if it has none and the engine has a
    /// heartbeat (idle_pulse), and a full period before the heartbeat looks at it again. Heartbeat thread.
    /// </summary>
    private void BarrierPulse(Engine engine, EngineBeat beat, long now) =>
        AdoptPulse(engine, beat, SubmitBarrierPulse(engine.Id), now);

    /// <summary>A kernel pulse at BARRIER priority on <paramref name="engine"/>, counted; any thread.</summary>
    private Request SubmitBarrierPulse(EngineId engine)
    {
        Request pulse = _gt.CreateAndSubmit(_gt.KernelClient.DefaultContext, engine, 0, RequestFlags.Pulse,
            priority: PulsePriority.Barrier);
        Interlocked.Increment(ref _pulses);
        return pulse;
    }

    /// <summary>
    /// idle_pulse's bookkeeping: a BARRIER pulse becomes the heartbeat's own when the engine has a heartbeat and the
    /// heartbeat has no pulse pending, with a full period before it is looked at again. Heartbeat thread.
    /// </summary>
    private void AdoptPulse(Engine engine, EngineBeat beat, Request pulse, long sent)
    {
        if (Interlocked.Read(ref _intervalTicks[(int)engine.Id]) <= 0)
        {
            return;
        }

        if (beat.Systole is null || beat.Systole.IsSignaled)
        {
            beat.Generation = engine.ResetGeneration;
            beat.Systole = pulse;
            beat.ProgressAtRaise = engine.SafePoints;
        }

        beat.Emitted = sent;
    }

    /// <summary>Adopts the pulses <see cref="SetHeartbeat"/> sent.</summary>
    private void ProcessRechecks()
    {
        while (_recheck.TryDequeue(out (EngineId Engine, Request Pulse, long Sent) r))
        {
            if (!r.Pulse.IsSignaled)
            {
                AdoptPulse(_gt[r.Engine], _beats[(int)r.Engine], r.Pulse, r.Sent);
            }
        }
    }

    private void Run()
    {
        while (!_stop.IsSet)
        {
            long now = Stopwatch.GetTimestamp();
            if (!_revokes.IsEmpty)
            {
                ProcessRevokes(now);
            }

            if (!_recheck.IsEmpty)
            {
                ProcessRechecks();
            }

            foreach (Engine engine in _gt.Engines)
            {
                try
                {
                    Beat(engine, _beats[(int)engine.Id], now);
                }
                catch (Exception e)
                {
                    // A bug on this path (a fence callback of a pulse, a reset it escalated to) must not kill the
                    // thread that detects hangs: log it and keep beating, as the reset worker does.
                    _reset.Log.Fatal(e, "heartbeat of {Engine} failed", engine.Name);
                }
            }

            Interlocked.Increment(ref _sweeps);
            _stop.Wait(TickPeriod());
        }
        Lockdep.Default.ThreadExit();
    }

    private TimeSpan TickPeriod()
    {
        long smallest = long.MaxValue;
        foreach (long t in _intervalTicks)
        {
            if (t > 0)
            {
                smallest = Math.Min(smallest, t);
            }
        }

        foreach (Engine engine in _gt.Engines)
        {
            long preempt = ToTicks(engine.PreemptTimeout);
            if (preempt > 0)
            {
                smallest = Math.Min(smallest, preempt);
            }
        }

        if (smallest == long.MaxValue)
        {
            return TimeSpan.FromMilliseconds(50);
        }

        double ms = smallest * 1000.0 / Stopwatch.Frequency / 4;
        return TimeSpan.FromMilliseconds(Math.Clamp(ms, 1, 50));
    }

    private void Beat(Engine engine, EngineBeat beat, long now)
    {
        if (_reset.IsWedged) { beat.Clear(now); return; }
        Request? systole = beat.Systole;
        if (systole is not null && systole.IsSignaled) { beat.Clear(now); systole = null; }
        if (systole is not null && engine.ResetGeneration != beat.Generation)
        {
            // The engine was reset since this pulse was sent (by a reset from elsewhere: after its own report a beat
            // starts over): whatever held the pulse up has been dealt with, and the pulse, rewound, completes by
            // itself. Start over instead of blaming what runs now (i915 cancels the preempt timer on reset).
            beat.Clear(now);
            systole = null;
        }

        long interval = Interlocked.Read(ref _intervalTicks[(int)engine.Id]);
        if (interval <= 0)
        {
            return;
        }

        if (!HangcheckEnabled)
        {
            // heartbeat()'s exit without enable_hangcheck: the systole is dropped and nothing is re-armed, so no pulse
            // ever climbs to a reset.
            beat.Clear(now);
            return;
        }

        if (systole is not null)
        {
            if (now - beat.Emitted < NextDelay(engine, systole, interval))
            {
                return;
            }

            beat.Emitted = now;
            if (systole.Priority < PulsePriority.Barrier)
            {
                // Raise gradually, so high-priority work may finish naturally before being preempted; the engine
                // moves the pulse up its queue, timeslices with it or preempts to it, and arms its preempt timer when
                // the running batch will not let it in.
                int raised = PulsePriority.Raise(systole.Priority);
                // Announced before the schedule: the engine thread may act on the raise (arm its preempt timer, raise
                // PreemptArmed) at once, and an observer must already know the step that caused it.
                PulseStep?.Invoke(engine.Id, raised);
                engine.Schedule(systole, raised);
                beat.ProgressAtRaise = engine.SafePoints;
            }
            else if (Ran(engine, beat.ProgressAtRaise))
            {
                ReportHang(engine, beat, $"stopped heartbeat on {engine.Name}");
                beat.Clear(now);
            }
            return;
        }
        if (!engine.IsBusy) { beat.LastIdle = now; return; }
        if (now - beat.LastIdle < interval)
        {
            return;
        }

        beat.Generation = engine.ResetGeneration;
        // heartbeat(): a fresh pulse goes in at I915_PRIORITY_MIN, behind everything.
        beat.Systole = _gt.CreateAndSubmit(_gt.KernelClient.DefaultContext, engine.Id, 0, RequestFlags.Pulse,
            priority: PulsePriority.Min);
        beat.Emitted = now;
        Interlocked.Increment(ref _pulses);
        PulseStep?.Invoke(engine.Id, PulsePriority.Min);
    }

    /// <summary>
    /// next_heartbeat: one interval, except that a pulse already at BARRIER gets at least twice the engine's preempt
    /// timeout as it is now (engine->props.preempt_timeout_ms, which sysfs changes per engine), so the final,
    /// highest-priority try has time for a preemption to be attempted and time out (only at the default interval, as
    /// i915 does).
    /// </summary>
    private long NextDelay(Engine engine, Request systole, long interval)
    {
        if (systole.Priority >= PulsePriority.Barrier && interval == _defaultIntervalTicks)
        {
            return Math.Max(interval, 2 * ToTicks(engine.PreemptTimeout));
        }

        return interval;
    }

    /// <summary>Safe points an engine must pass, without taking a pending preemption, before it counts as refusing it.</summary>
    private const long MinProgress = 4;

    /// <summary>
    /// Whether the engine thread actually ran since <paramref name="progressMark"/>. A descheduled engine thread (a
    /// loaded host) is not a hung engine: a batch that yields takes the pulse at its first arbitration point, so
    /// passing several safe points without taking it is what refusing to yield looks like.
    /// </summary>
    private static bool Ran(Engine engine, long progressMark) => engine.SafePoints - progressMark >= MinProgress;

    /// <summary>
    /// Reports the engine's running request as hung. Not when nothing runs (the engine is between requests, or a
    /// reset from elsewhere has parked it and taken its requests: nothing to blame, and the worker would handle such
    /// a report as a new hang once that reset is done, blaming whatever runs then), nor when the engine was reset
    /// since the pulse was sent. Active is read before the generation: a request that started after a reset is only
    /// seen together with that reset's generation.
    /// </summary>
    private void ReportHang(Engine engine, EngineBeat beat, string reason)
    {
        Request? active = engine.GetActiveReference();
        if (active is null)
        {
            return;
        }

        try
        {
            if (engine.ResetGeneration != beat.Generation)
            {
                return;
            }

            // Pinned by the reference: a request that finished and was recycled after the report is queued is not
            // blamed either (ResetWorker.Queue takes its own reference on this generation).
            Interlocked.Increment(ref _hangs);
            _worker.Queue(engine.Id.Mask(), ErrorFlags.Capture, reason, active, blameGeneration: active.Generation);
        }
        finally
        {
            active.Put();
        }
    }

    private static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Stops the thread (bounded).</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        foreach (Engine engine in _gt.Engines)
        {
            engine.ErrorInterrupt = null;
            engine.CallbackFault = null;
            engine.PreemptTimeoutInterrupt = null;
            engine.PreemptArmed = null;
        }
    }

    /// <summary>Per-engine heartbeat state; touched only by the heartbeat thread.</summary>
    private sealed class EngineBeat
    {
        public Request? Systole;
        public long Emitted;
        public long ProgressAtRaise;

        /// <summary>The engine's reset generation when <see cref="Systole"/> was sent.</summary>
        public long Generation;
        public long LastIdle = Stopwatch.GetTimestamp();

        public void Clear(long now)
        {
            Systole = null;
            LastIdle = now;
        }
    }
}
