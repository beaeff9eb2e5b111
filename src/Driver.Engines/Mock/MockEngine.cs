using System.Collections.Concurrent;
using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;

namespace Driver.Engines.Mock;

/// <summary>
/// An engine with no thread and no command streamer, after the kernel's selftest <c>gt/mock_engine.c</c>: a FIFO
/// that completes its requests in order, through the timeline breadcrumb and <see cref="Breadcrumbs"/> as a real
/// engine does, but only when told to — by hand (<see cref="Advance"/>) or by a timer (<see cref="StartTimer"/>).
/// It lets the reset core's rare paths be driven deterministically: an engine that will not stop
/// (<see cref="RefusesToStop"/>), a request that never completes (<see cref="HangBatch"/>), a reset in the middle of a
/// chain, with every step's outcome known in advance.
/// </summary>
/// <remarks>
/// <para>The "hardware" (the FIFO, the active request, the breadcrumbs, the counters) is guarded by <see cref="_hw"/>,
/// which serialises <see cref="Advance"/> (the test thread or the timer) against the reset steps (whoever resets).
/// It is reentrant on purpose: a fence signalled by <see cref="Advance"/> runs callbacks that may submit to this very
/// engine; those only append to the lock-free <see cref="_port"/>, as a real engine's submitters do.</para>
/// <para>While prepared for a reset the engine is stopped: <see cref="Advance"/> does nothing, exactly as a parked
/// engine thread executes nothing.</para>
/// </remarks>
public sealed class MockEngine : Engine
{
    /// <summary>A batch address the mock treats as a spinner: started, never completed by <see cref="Advance"/>.</summary>
    public const uint HangBatch = 0xDEAD_0000;

    private readonly ConcurrentQueue<Request> _port = new();
    private readonly Queue<Request> _fifo = new();
    private readonly Breadcrumbs _breadcrumbs = new();

    /// <summary>The mock's hardware lock (see the class remarks for what it orders).</summary>
    private readonly object _hw = new();
    private Request? _active;
    private Request? _preempt;
    private Timer? _timer;
    private int _prepared;
    private bool _cancelPending;
    private bool _skipBanned;
    private long _submitted;
    private long _completed;
    private long _resetGeneration;
    private long _safePoints;
    private bool _hangsEnd;
    private int _resets;
    private int _cancels;

    /// <summary>Creates a mock engine; nothing runs until it is advanced.</summary>
    public MockEngine(EngineId id)
        : base(id)
    {
    }

    /// <summary>
    /// Hardware that does not stop (a batch with no arbitration point that ignores the stop request): a reset's
    /// prepare times out at once. Clear it and <see cref="Advance"/> to let the engine reach its next safe point.
    /// </summary>
    public bool RefusesToStop { get; set; }

    /// <summary>
    /// Ends the spinning: from now on a <see cref="HangBatch"/> request completes when advanced to, as a spinner does
    /// once the CPU writes its end.
    /// </summary>
    public void EndHangs()
    {
        lock (_hw)
        {
            _hangsEnd = true;
        }
    }

    /// <summary>engine->reset.rewind calls so far.</summary>
    public int Rewinds { get { lock (_hw) { return _resets; } } }

    /// <summary>engine->reset.cancel calls so far (including those carried out late, after a refusal to stop).</summary>
    public int Cancels { get { lock (_hw) { return _cancels; } } }

    /// <summary>Requests waiting in the FIFO (not yet active).</summary>
    public int Queued { get { lock (_hw) { Pull(); return _fifo.Count; } } }

    /// <inheritdoc/>
    public override Request? Active => Volatile.Read(ref _active);

    /// <inheritdoc/>
    public override long Submitted => Interlocked.Read(ref _submitted);

    /// <inheritdoc/>
    public override long Completed => Interlocked.Read(ref _completed);

    /// <inheritdoc/>
    public override bool IsParked { get { lock (_hw) { return _prepared > 0; } } }

    /// <inheritdoc/>
    public override long ResetGeneration => Interlocked.Read(ref _resetGeneration);

    /// <inheritdoc/>
    public override long SafePoints => Interlocked.Read(ref _safePoints);

    /// <summary>The mock has no preempt timer (it does not timeslice): never armed.</summary>
    public override Request? PreemptTarget => null;

    /// <inheritdoc/>
    public override bool IsCancelPending { get { lock (_hw) { return _cancelPending; } } }

    /// <inheritdoc/>
    public override void Queue(Request rq)
    {
        Interlocked.Increment(ref _submitted);
        _port.Enqueue(rq);
    }

    /// <summary>
    /// Raises the priority. The mock keeps its FIFO; a kernel pulse raised above the running request is taken at the
    /// next safe point instead (it has no payload: preempting to it is completing it).
    /// </summary>
    public override void Schedule(Request rq, int priority)
    {
        if (!rq.RaisePriority(priority))
        {
            return;
        }

        if (rq.IsPulse && (Active is not { } active || priority > active.Priority))
        {
            Volatile.Write(ref _preempt, rq);
        }
    }

    /// <inheritdoc/>
    public override void SkipBannedQueued()
    {
        lock (_hw)
        {
            _skipBanned = true;
        }
    }

    /// <summary>
    /// Runs the engine: at its safe point it honours a pending cancel, a preemption and a banned-work skip; then it
    /// completes up to <paramref name="max"/> requests in order, starting each as it reaches the head. A
    /// <see cref="HangBatch"/> request is started and then spins: it stops the advance. A prepared (stopped) engine
    /// does nothing. Returns how many requests completed.
    /// </summary>
    public int Advance(int max = int.MaxValue)
    {
        lock (_hw)
        {
            if (_prepared > 0 && !RefusesToStop)
            {
                return 0;
            }

            SafePoint();
            int n = 0;
            while (n < max)
            {
                Pull();
                if (_active is null)
                {
                    if (!_fifo.TryDequeue(out Request? next))
                    {
                        break;
                    }

                    Start(next);
                    continue;
                }

                Request rq = _active;
                if (rq.BatchAddress == HangBatch && !rq.Skip && !_hangsEnd)
                {
                    break;
                }
                // Breadcrumb, then the interrupt, as the real engine: the breadcrumb says the payload ran, the
                // interrupt signals every request whose breadcrumb has passed.
                rq.Timeline.WriteBreadcrumb(rq.Seqno);
                Volatile.Write(ref _active, null);
                Interlocked.Increment(ref _completed);
                _breadcrumbs.Interrupt();
                n++;
            }

            AssertInvariants();
            return n;
        }
    }

    /// <summary>Advances one request every <paramref name="delay"/> (mock_engine's per-request delay) until stopped.</summary>
    public void StartTimer(TimeSpan delay)
    {
        StopTimer();
        _timer = new Timer(_ => Advance(1), null, delay, delay);
    }

    /// <summary>Stops the timer, waiting for a callback in flight.</summary>
    public void StopTimer()
    {
        Timer? timer = Interlocked.Exchange(ref _timer, null);
        if (timer is not null)
        {
            using var done = new ManualResetEvent(false);
            timer.Dispose(done);
            done.WaitOne(TimeSpan.FromSeconds(5));
        }
    }

    // ---- parking and engine->reset --------------------------------------------------------------------------

    /// <inheritdoc/>
    public override void RequestPark()
    {
        lock (_hw)
        {
            _prepared++;
        }
    }

    /// <inheritdoc/>
    public override bool WaitParked(TimeSpan timeout)
    {
        lock (_hw)
        {
            if (!RefusesToStop)
            {
                return true;
            }

            _prepared--;
            return false;
        }
    }

    /// <inheritdoc/>
    public override void Unpark()
    {
        lock (_hw)
        {
            Debug.Assert(_prepared > 0, $"{Name}: unparked without a park");
            _prepared--;
        }
    }

    /// <inheritdoc/>
    public override void ResetRewind(bool stalled, IRequestReset reset)
    {
        lock (_hw)
        {
            Debug.Assert(_prepared > 0, $"{Name}: engine->reset.rewind on an engine not prepared");
            _resets++;
            Interlocked.Increment(ref _resetGeneration);
            Volatile.Write(ref _preempt, null);
            Request? active = _active;
            List<Request> held = TakeHeld();
            int finished = 0;
            foreach (Request rq in held)
            {
                if (!RewindOne(rq, active, stalled, reset))
                {
                    finished++;
                    continue;
                }

                _fifo.Enqueue(rq);
            }

            Interlocked.Add(ref _completed, finished);
            AssertInvariants();
        }
    }

    /// <inheritdoc/>
    public override void ResetCancel()
    {
        lock (_hw)
        {
            Debug.Assert(_prepared > 0, $"{Name}: engine->reset.cancel on an engine not prepared");
            Backend?.ResetCancel();
            CancelHeld();
        }
    }

    /// <inheritdoc/>
    public override void ResetCancelWhenStopped()
    {
        Backend?.ResetCancel();
        lock (_hw)
        {
            _cancelPending = true;
        }
    }

    /// <inheritdoc/>
    public override void Dispose() => StopTimer();

    // ---- the hardware -----------------------------------------------------------------------------------------

    private void SafePoint()
    {
        Interlocked.Increment(ref _safePoints);
        if (_cancelPending)
        {
            _cancelPending = false;
            CancelHeld();
        }

        if (Interlocked.Exchange(ref _preempt, null) is { IsCompleted: false } pulse)
        {
            // A pulse has no payload: preempting to it is completing it. The request stays queued and is dropped as
            // already complete when it reaches the head.
            CompleteOnCpu(pulse);
        }

        if (_skipBanned)
        {
            _skipBanned = false;
            Pull();
            for (int n = _fifo.Count; n > 0; n--)
            {
                Request rq = _fifo.Dequeue();
                if (!rq.IsPulse && rq.Context.IsBannedOn(rq.Engine) && !rq.IsSignaled && !rq.IsCompleted)
                {
                    CancelOnCpu(rq);
                    Interlocked.Increment(ref _completed);
                    continue;
                }

                _fifo.Enqueue(rq);
            }
        }
    }

    private void Start(Request rq)
    {
        if (rq.IsSignaled || rq.IsCompleted)
        {
            if (!rq.IsSignaled)
            {
                CompleteOnCpu(rq);
            }

            Interlocked.Increment(ref _completed);
            return;
        }

        // As the execlists engine: active for execute callbacks, a full barrier, then the callbacks (after the ban).
        rq.MarkExecuting();
        Interlocked.Exchange(ref _active, rq);
        if (rq.Context.IsBannedOn(rq.Engine) && !rq.Skip)
        {
            rq.SetErrorOnce(-Errno.EIO);
            rq.Skip = true;
        }

        rq.NotifyExecute();

        _breadcrumbs.Add(rq);
        if (!rq.Skip && !rq.IsPulse)
        {
            rq.Started = true;
        }
    }

    private void Pull()
    {
        while (_port.TryDequeue(out Request? rq))
        {
            _fifo.Enqueue(rq);
        }
    }

    private List<Request> TakeHeld()
    {
        var all = new List<Request>();
        _breadcrumbs.Drain(all);
        if (_active is { } active && !all.Contains(active))
        {
            all.Insert(0, active);
        }

        Pull();
        while (_fifo.TryDequeue(out Request? rq))
        {
            all.Add(rq);
        }

        Volatile.Write(ref _active, null);
        return all;
    }

    private void CancelHeld()
    {
        _cancels++;
        Interlocked.Increment(ref _resetGeneration);
        Volatile.Write(ref _preempt, null);
        List<Request> held = TakeHeld();
        foreach (Request rq in held)
        {
            if (!rq.IsSignaled)
            {
                CancelOnCpu(rq);
            }
        }

        Interlocked.Add(ref _completed, held.Count);
        AssertInvariants();
    }

    /// <summary>The mock's accounting: nothing leaves the engine that did not reach it; an active request is held.</summary>
    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        long completed = Completed;
        long submitted = Submitted;
        Debug.Assert(completed <= submitted, $"{Name}: {completed} requests left the engine but only {submitted} reached it");
        Debug.Assert(_prepared >= 0, $"{Name}: {_prepared} prepares outstanding");
        Debug.Assert(_active is null || _breadcrumbs.Count > 0, $"{Name}: an active request missing from the signal list");
    }
}
