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
/// kernel pulse each interval. A pulse still pending one interval later has its priority raised (MIN → NORMAL →
/// HEARTBEAT → BARRIER); once above the running work it asks the engine to preempt to it and arms the preempt
/// timeout; a batch that will not yield (no arbitration point) is then reset for "preemption time out", and a pulse
/// stuck at BARRIER gets "stopped heartbeat". Engine faults (error interrupts) are reported at once.
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
    private long _preemptTimeoutTicks;

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

        _preemptTimeoutTicks = ToTicks(reset.Config.PreemptTimeout);
        foreach (Engine engine in gt.Engines)
        {
            engine.ErrorInterrupt = OnEngineError;
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
    /// Raised on the heartbeat thread when it arms an engine's preempt timeout (having asked the engine to preempt to
    /// its pulse), before it looks at any engine again: for tests that must act at that very moment.
    /// </summary>
    public event Action<EngineId>? PreemptArmed;

    /// <summary>Sets one engine's heartbeat interval (sysfs heartbeat_interval_ms); zero disables it.</summary>
    public void SetInterval(EngineId engine, TimeSpan interval) => Interlocked.Exchange(ref _intervalTicks[(int)engine], ToTicks(interval));

    /// <summary>The engine's heartbeat interval.</summary>
    public TimeSpan GetInterval(EngineId engine) => TimeSpan.FromSeconds(Interlocked.Read(ref _intervalTicks[(int)engine]) / (double)Stopwatch.Frequency);

    /// <summary>Sets the preempt timeout for every engine; zero disables it.</summary>
    public void SetPreemptTimeout(TimeSpan timeout) => Interlocked.Exchange(ref _preemptTimeoutTicks, ToTicks(timeout));

    private void OnEngineError(Engine engine, EngineFault fault)
    {
        // Called on the engine thread, which then stalls at the fault: hand the hang over, never block here.
        Interlocked.Increment(ref _hangs);
        _worker.Queue(engine.Id.Mask(), ErrorFlags.Capture, $"{engine.Name} command streamer error: {fault}", fault.Request);
    }

    /// <summary>
    /// Revokes a closed, banned context from the engines (kill_engines): its queued work is dropped at each engine's
    /// next arbitration point; where it is running, a pulse at heartbeat priority preempts it at its next arbitration
    /// point (the engine then ends it with -EIO) and arms the preempt timeout, so a batch that never yields is reset.
    /// Without a heartbeat the engine is reset at once.
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
                if (tl.Last is { IsSignaled: false })
                {
                    _gt[tl.Engine].SkipBannedQueued();
                }
            }

            foreach (Engine engine in _gt.Engines)
            {
                Request? active = engine.Active;
                if (active is null || active.Context != ctx)
                {
                    continue;
                }

                EngineBeat beat = _beats[(int)engine.Id];
                if (Interlocked.Read(ref _intervalTicks[(int)engine.Id]) <= 0)
                {
                    _worker.Queue(engine.Id.Mask(), ErrorFlags.None, $"context {ctx} revoked on {engine.Name}", active);
                    continue;
                }
                if (beat.Systole is null || beat.Systole.IsSignaled)
                {
                    beat.Generation = engine.ResetGeneration;
                    beat.Systole = _gt.CreateAndSubmit(_gt.KernelClient.DefaultContext, engine.Id, 0, RequestFlags.Pulse);
                    Interlocked.Increment(ref _pulses);
                }
                beat.Systole.Priority = Math.Max(beat.Systole.Priority, PulsePriority.Heartbeat);
                beat.Emitted = now;
                engine.RequestPreemption(beat.Systole);
                if (beat.PreemptArmedAt == 0)
                {
                    beat.PreemptArmedAt = now;
                    beat.ProgressAtArm = engine.SafePoints;
                    PreemptArmed?.Invoke(engine.Id);
                }
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

            foreach (Engine engine in _gt.Engines)
            {
                Beat(engine, _beats[(int)engine.Id], now);
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

        long preempt = Interlocked.Read(ref _preemptTimeoutTicks);
        if (preempt > 0)
        {
            smallest = Math.Min(smallest, preempt);
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

        long preempt = Interlocked.Read(ref _preemptTimeoutTicks);
        if (systole is not null && beat.PreemptArmedAt != 0 && preempt > 0 && now - beat.PreemptArmedAt >= preempt
            && Ran(engine, beat.ProgressAtArm))
        {
            // The running batch refused to yield to a higher-priority request in time. Start a fresh heartbeat cycle:
            // the pulse will complete after the reset, and escalating it further would report this hang twice.
            ReportHang(engine, beat, "preemption time out");
            beat.Clear(now);
            return;
        }

        long interval = Interlocked.Read(ref _intervalTicks[(int)engine.Id]);
        if (interval <= 0)
        {
            return;
        }

        if (systole is not null)
        {
            if (now - beat.Emitted < interval)
            {
                return;
            }

            beat.Emitted = now;
            if (systole.Priority < PulsePriority.Barrier)
            {
                // Raise gradually, so high-priority work may finish naturally before being preempted.
                systole.Priority = PulsePriority.Raise(systole.Priority);
                beat.ProgressAtRaise = engine.SafePoints;
                Request? active = engine.Active;
                if (beat.PreemptArmedAt == 0 && (active is null || systole.Priority > active.Priority))
                {
                    engine.RequestPreemption(systole);
                    beat.PreemptArmedAt = now;
                    beat.ProgressAtArm = engine.SafePoints;
                    PreemptArmed?.Invoke(engine.Id);
                }
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
        Request pulse = _gt.CreateAndSubmit(_gt.KernelClient.DefaultContext, engine.Id, 0, RequestFlags.Pulse);
        pulse.Priority = PulsePriority.Min;
        beat.Systole = pulse;
        beat.Emitted = now;
        Interlocked.Increment(ref _pulses);
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
        Request? active = engine.Active;
        if (active is null || engine.ResetGeneration != beat.Generation)
        {
            return;
        }

        Interlocked.Increment(ref _hangs);
        _worker.Queue(engine.Id.Mask(), ErrorFlags.Capture, reason, active);
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
        }
    }

    /// <summary>Per-engine heartbeat state; touched only by the heartbeat thread.</summary>
    private sealed class EngineBeat
    {
        public Request? Systole;
        public long Emitted;
        public long PreemptArmedAt;
        public long ProgressAtArm;
        public long ProgressAtRaise;

        /// <summary>The engine's reset generation when <see cref="Systole"/> was sent.</summary>
        public long Generation;
        public long LastIdle = Stopwatch.GetTimestamp();

        public void Clear(long now)
        {
            Systole = null;
            PreemptArmedAt = 0;
            LastIdle = now;
        }
    }
}
