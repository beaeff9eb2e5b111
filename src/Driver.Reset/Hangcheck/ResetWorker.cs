using System.Collections.Concurrent;
using Driver.Core.Locking;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Reset.Recovery;
using Serilog.Context;

namespace Driver.Reset.Hangcheck;

/// <summary>
/// The thread hang recovery runs on (the kernel runs it from a workqueue): detectors (heartbeat, preempt timeout,
/// engine error interrupts) queue work here and never block. One worker serialises them, and a report whose blamed
/// request has completed meanwhile is dropped, so one hang is handled once.
/// </summary>
public sealed class ResetWorker : IDisposable
{
    /// <summary>Reports, from any thread (lock-free enqueue); drained by the worker thread alone.</summary>
    private readonly ConcurrentQueue<Work> _queue = new();

    /// <summary>
    /// Rung after every enqueue and at stop; the worker waits on it when the queue is empty. A plain event, waited on
    /// synchronously: the worker is a thread of its own, so nothing is gained by an async wait it would block on.
    /// </summary>
    private readonly AutoResetEvent _doorbell = new(false);
    private volatile bool _stopping;
    private readonly GtReset _reset;
    private readonly Thread _thread;
    private int _pending;

    /// <summary>Starts the worker.</summary>
    public ResetWorker(GtReset reset)
    {
        _reset = reset;
        _thread = new Thread(Run) { Name = "reset-worker", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Reports handled so far.</summary>
    public int Handled => Volatile.Read(ref _handled);
    private int _handled;

    /// <summary>Reports queued and not yet handled.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Queues a hang report. Lock-free; callable from engine threads. The report holds a counted reference on
    /// <paramref name="blame"/>, taken here only if the object is still the request of
    /// <paramref name="blameGeneration"/> (the generation the reporter saw it at; by default the one it has now, for a
    /// reporter that knows the request is alive, e.g. on the thread that runs it): a request that finished and was
    /// recycled since is not blamed for its predecessor's hang (the report is dropped), and one that finishes while
    /// the report waits cannot be recycled under it. With <paramref name="activeOn"/> (a preempt timeout) the report
    /// holds only while <paramref name="blame"/> is still that engine's active request, and, given
    /// <paramref name="activation"/> (<see cref="Engine.Activations"/> when the timer fired), still the same
    /// activation of it: a target that yielded and came back is not the one that refused to yield.
    /// </summary>
    /// <remarks>
    /// With <paramref name="engineOnly"/> (the engine's own interrupts: preempt timeout, CS error) the report is
    /// handled as execlists_reset does, by <see cref="GtReset.HandleEngineError"/>: no fallback to a full reset.
    /// </remarks>
    public void Queue(uint engineMask, ErrorFlags flags, string reason, Request? blame, Engine? activeOn = null,
        int? blameGeneration = null, long? activation = null, bool engineOnly = false)
    {
        if (_stopping)
        {
            return;
        }

        // i915_request_get_rcu on the request the reporter found: pinned to that incarnation, or the report is stale.
        if (blame is not null && !blame.TryGet(blameGeneration ?? blame.Generation))
        {
            return;
        }

        Interlocked.Increment(ref _pending);
        _queue.Enqueue(new Work(engineMask, flags, reason, blame, activeOn, activation, engineOnly));
        // After the enqueue: the worker either finds the report on its next TryDequeue or is woken by this.
        _doorbell.Set();
    }

    private void Run()
    {
        while (true)
        {
            if (!_queue.TryDequeue(out Work work))
            {
                if (_stopping)
                {
                    break;
                }

                // An AutoResetEvent keeps a Set that came before the Wait, so a report queued between the failed
                // dequeue and this wait is not slept through.
                _doorbell.WaitOne();
                continue;
            }
            try
            {
                // Stale report: the request blamed has finished (a previous reset already dealt with it).
                if (work.Blame is { IsSignaled: true } || (work.Blame is not null && work.Blame.Guilty))
                {
                    continue;
                }
                // A preempt timeout: the engine is reset only while the request that refused to yield is still the
                // one running (execlists_submission_tasklet: rq == preempt_target); if it has since yielded or
                // finished, whatever runs now is not to blame.
                if (work.ActiveOn is { } engine
                    && (engine.Active != work.Blame || (work.Activation is { } a && engine.Activations != a)))
                {
                    continue;
                }
                // The blamed request's identity on every line recovery logs (LogContext is per thread of execution;
                // the worker handles one report at a time).
                Request? blame = work.Blame;
                using (blame is null ? null : LogContext.PushProperty("Context", blame.Context.ToString()))
                using (blame is null ? null : LogContext.PushProperty("Seqno", blame.Seqno))
                {
                    if (work.EngineOnly)
                    {
                        _reset.HandleEngineError(work.EngineMask, work.Flags, work.Reason);
                    }
                    else
                    {
                        _reset.HandleError(work.EngineMask, work.Flags, work.Reason);
                    }
                }

                Interlocked.Increment(ref _handled);
            }
            catch (Exception e)
            {
                // A bug in recovery must not kill the only thread that recovers: log it and take the next report.
                _reset.Log.Fatal(e, "hang recovery failed for {Reason}", work.Reason);
            }
            finally
            {
                // The report's reference (Queue): the request may be recycled from here.
                work.Blame?.Put();
                Interlocked.Decrement(ref _pending);
            }
        }
        Lockdep.Default.ThreadExit();
    }

    /// <summary>Stops the worker after the queued reports; later reports are dropped.</summary>
    public void Dispose()
    {
        _stopping = true;
        _doorbell.Set();
        _thread.Join(TimeSpan.FromSeconds(10));
    }

    private readonly record struct Work(uint EngineMask, ErrorFlags Flags, string Reason, Request? Blame, Engine? ActiveOn,
        long? Activation, bool EngineOnly);
}
