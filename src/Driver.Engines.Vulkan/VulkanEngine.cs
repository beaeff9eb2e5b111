using System.Collections.Concurrent;
using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Serilog;

namespace Driver.Engines.Vulkan;

/// <summary>
/// Executes an engine's requests on a Vulkan compute queue. Each request's batch is read from the GGTT and
/// translated into dispatches (<see cref="BatchTranslator"/>), submitted with a VkFence, and completed — executed
/// stores copied back into the simulator's GPU memory, breadcrumb written, fence signalled — by this engine's
/// thread, which waits on the VkFence in bounded slices and doubles as the hangcheck: a request past
/// <see cref="VulkanEngineOptions.RequestTimeout"/> is aborted through a host-written flag every kernel polls, and is
/// guilty (-EIO). VK_ERROR_DEVICE_LOST recreates the device: the request that saw it is guilty, innocents replay; a
/// failed recreation wedges the engine (every request -EIO).
/// </summary>
/// <remarks>
/// <para>Requests arrive through <see cref="Submit"/> once their in-fences have signalled (IntelGt's submit gate
/// chains them with fence callbacks; nothing here waits on a simulator fence). They run one at a time, in FIFO order,
/// like a simulated engine: a request is submitted to Vulkan when its predecessor has completed, so the mirror of GPU
/// memory it starts from includes its predecessors' stores.</para>
/// <para>Threads: any thread calls <see cref="Submit"/> (lock-free enqueue); the engine thread owns everything else
/// (resources, the in-flight request, history writes under <see cref="_historyLock"/>).</para>
/// </remarks>
public sealed partial class VulkanEngine : IEngineBackend, IDisposable
{
    private readonly VulkanDevice _device;
    private readonly Ggtt _ggtt;
    private readonly ILogger _log;
    /// <summary>Requests handed over and not yet dequeued, each with its enqueue time and its submission ordinal (1, 2, ...).</summary>
    private readonly ConcurrentQueue<(Request Rq, long Queued, long Ordinal)> _pending = new();

    /// <summary>Wakes the engine thread; set after every enqueue.</summary>
    private readonly ManualResetEventSlim _doorbell = new(false);
    private readonly Thread _thread;

    /// <summary>Guards <see cref="_history"/> between the engine thread (appends) and readers (copy out); a leaf lock.</summary>
    private readonly DriverMutex _historyLock = new("vk->history_lock");
    private readonly Queue<VulkanRequestRecord> _history = new();

    private volatile bool _stopping;

    /// <summary>Set (with a full barrier) by the engine thread as it exits; from then on Submit cancels by itself.</summary>
    private int _dead;
    private volatile bool _wedged;

    /// <summary>
    /// Raised by <see cref="ResetCancel"/> to the submission ordinal last handed over at its call: every request up to
    /// it is cancelled (the running batch aborted, the queued ones ended as the engine thread reaches them), none after
    /// it — an unwedge cancels too, then restores submission, and what is submitted next must run.
    /// </summary>
    private long _cancelUpTo;

    /// <summary>Submission ordinal of the request the engine thread has in hand (engine thread only).</summary>
    private long _currentOrdinal;
    private volatile bool _executing;
    private long _submitted;
    private long _completed;
    private long _hangs;
    private long _deviceLosses;
    private long _replays;
    private long _callbackFaults;

    /// <summary>Creates the engine and starts its thread. Resources are built on the device by that thread.</summary>
    public VulkanEngine(VulkanDevice device, Ggtt ggtt, string name, VulkanEngineOptions? options = null, ILogger? log = null)
    {
        _device = device;
        _ggtt = ggtt;
        Name = name;
        Options = options ?? new VulkanEngineOptions();
        _log = log ?? Serilog.Core.Logger.None;
        _thread = new Thread(Run) { Name = name, IsBackground = true };
        _thread.Start();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The device it runs on.</summary>
    public VulkanDevice Device => _device;

    /// <summary>Settings.</summary>
    public VulkanEngineOptions Options { get; }

    /// <summary>Requests handed to <see cref="Submit"/>.</summary>
    public long Submitted => Interlocked.Read(ref _submitted);

    /// <summary>Requests signalled by this engine.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Requests found hung (timeout or spin cap) and aborted.</summary>
    public long Hangs => Interlocked.Read(ref _hangs);

    /// <summary>Device losses this engine handled.</summary>
    public long DeviceLosses => Interlocked.Read(ref _deviceLosses);

    /// <summary>Signals of this engine whose fence callbacks threw (a driver bug, logged; the engine went on).</summary>
    public long CallbackFaults => Interlocked.Read(ref _callbackFaults);

    /// <summary>Innocent requests replayed after a device loss.</summary>
    public long Replays => Interlocked.Read(ref _replays);

    /// <summary>Whether the engine is wedged (its device could not be recreated): every request fails with -EIO.</summary>
    public bool IsWedged => _wedged;

    /// <summary>Whether the engine thread has exited (stopped, or ended by a failure): submissions are cancelled.</summary>
    public bool IsStopped => Volatile.Read(ref _dead) != 0;

    /// <inheritdoc/>
    public bool IsBusy => Submitted != Completed || _executing;

    /// <summary>The last requests finished, oldest first.</summary>
    public IReadOnlyList<VulkanRequestRecord> History { get { using (_historyLock.Acquire()) { return _history.ToArray(); } } }

    /// <summary>The record of <paramref name="rq"/>, if still in the history.</summary>
    public VulkanRequestRecord? RecordOf(Request rq)
    {
        string name = rq.ToString();
        using (_historyLock.Acquire())
        {
            return _history.LastOrDefault(r => r.Request == name && r.Seqno == rq.Seqno);
        }
    }

    /// <summary>
    /// Takes a request whose dependencies have signalled (the engine's SubmitRequest). Lock-free, never blocks, never
    /// waits on a fence: safe on a fence-signalling path. After <see cref="Dispose"/> the request is cancelled (-EIO).
    /// </summary>
    public void Submit(Request rq)
    {
        long ordinal = Interlocked.Increment(ref _submitted);
        _pending.Enqueue((rq, Stopwatch.GetTimestamp(), ordinal));
        _doorbell.Set();
        // The enqueue is a full barrier, and so is the exiting thread's write of _dead before its last drain: either
        // that drain sees our request, or we see _dead and drain ourselves. Each request is dequeued once.
        if (Volatile.Read(ref _dead) != 0)
        {
            DrainCancelled("engine stopped");
        }
    }

    /// <inheritdoc/>
    public void ResetCancel()
    {
        // Only what was handed over before this call: the engine thread honours the cancel later, by which time an
        // unwedge may have restored submission. A Submit racing with this read is cancelled or not, either is right
        // (the wedge's nop handler keeps new work away; the unwedge's caller has idled the GT).
        long upTo = Interlocked.Read(ref _submitted);
        long seen = Interlocked.Read(ref _cancelUpTo);
        while (seen < upTo)
        {
            long prev = Interlocked.CompareExchange(ref _cancelUpTo, upTo, seen);
            if (prev == seen)
            {
                break;
            }

            seen = prev;
        }
        _doorbell.Set();
    }

    /// <summary>Whether the request with submission ordinal <paramref name="ordinal"/> was cancelled by a <see cref="ResetCancel"/>.</summary>
    private bool IsCancelled(long ordinal) => ordinal <= Interlocked.Read(ref _cancelUpTo);

    /// <summary>
    /// Brings a wedged engine back when its device can be revived. True when usable: never once the engine thread has
    /// exited (stopped, or ended by a failure), since nothing would run what is submitted next; it is cancelled.
    /// </summary>
    public bool Unwedge()
    {
        if (IsStopped)
        {
            return false;
        }

        if (!_wedged)
        {
            return true;
        }

        if (!_device.TryRevive())
        {
            return false;
        }

        _wedged = false;
        _doorbell.Set();
        return true;
    }

    /// <summary>
    /// Waits (bounded) until the engine has set up on its device — resources built, kernels compiled and calibrated —
    /// or found it cannot (then it is wedged). True when that happened within <paramref name="timeout"/>.
    /// </summary>
    public bool WaitReady(TimeSpan timeout) => _ready.Wait(timeout);

    /// <summary>Set once the engine thread's first set-up attempt finished.</summary>
    private readonly ManualResetEventSlim _ready = new(false);

    private void Run()
    {
        // The request dequeued and not yet finished: if the thread fails with it in hand, the catch below ends it.
        Request? current = null;
        try
        {
            // Set up at once rather than on the first request, so that request is not charged for compiling kernels.
            try { EnsureResources(); }
            finally { _ready.Set(); }
            while (!_stopping)
            {
                if (!_pending.TryDequeue(out (Request Rq, long Queued, long Ordinal) item))
                {
                    _doorbell.Reset();
                    // Re-check after the reset: a Submit that enqueued before it has also set the doorbell before
                    // or after; either we see its item now or its Set wakes the wait.
                    if (_pending.IsEmpty && !_stopping)
                    {
                        _doorbell.Wait(VulkanLogicalDevice.MaxWaitSlice);
                    }

                    continue;
                }
                if (IsCancelled(item.Ordinal))
                {
                    Finish(item.Rq, VulkanRequestOutcome.Cancelled, -Errno.EIO, "cancelled: the GT is wedged", item.Queued, 0, 0, 0);
                    continue;
                }

                _executing = true;
                _currentOrdinal = item.Ordinal;
                current = item.Rq;
                try { Execute(item.Rq, item.Queued); }
                finally { _executing = false; }
                current = null;
            }
        }
        catch (Exception e)
        {
            // A bug here must not strand fences: log, wedge, and cancel whatever is queued now or later.
            _log.Fatal(e, "{Engine}: engine thread failed", Name);
            _wedged = true;
            if (current is not null)
            {
                // Dequeued, so no drain will see it: end it here, once (Finish signals only an unsignalled request).
                // Its batch may still be on the device; ReleaseResources below aborts and drains it.
                try
                {
                    Finish(current, VulkanRequestOutcome.Failed, -Errno.EIO, $"engine thread failed: {e.Message}", Stopwatch.GetTimestamp(), 0, 0, 0);
                }
                catch (Exception again)
                {
                    _log.Fatal(again, "{Engine}: could not end {Request} after the failure", Name, current);
                }
            }
        }
        finally
        {
            ReleaseResources();
            Interlocked.Exchange(ref _dead, 1);
            DrainCancelled("engine stopped");
            Lockdep.Default.ThreadExit();
        }
    }

    /// <summary>Cancels every queued request with -EIO (engine stopped or wedged).</summary>
    private void DrainCancelled(string reason)
    {
        while (_pending.TryDequeue(out (Request Rq, long Queued, long Ordinal) item))
        {
            Finish(item.Rq, VulkanRequestOutcome.Cancelled, -Errno.EIO, reason, item.Queued, 0, 0, 0);
        }
    }

    /// <summary>
    /// Completes <paramref name="rq"/>: sets the error (fatal errors also skip the payload, as i915 does), records it
    /// (before the signal, so whoever the signal wakes finds the record), then writes the breadcrumb and signals
    /// (<see cref="Engine.CompleteOnCpu"/>).
    /// </summary>
    private void Finish(Request rq, VulkanRequestOutcome outcome, int error, string? reason, long queued, long submitted, int dispatches, int attempts)
    {
        if (error != 0 && rq.SetErrorOnce(error) && Errno.IsFatal(error))
        {
            rq.Skip = true;
        }

        bool signal = !rq.IsSignaled;
        int status = signal ? (rq.Error != 0 ? rq.Error : 1) : rq.Status;
        var record = new VulkanRequestRecord(rq.ToString(), rq.Seqno, outcome, status, reason, queued, submitted,
            Stopwatch.GetTimestamp(), dispatches, attempts);
        using (_historyLock.Acquire())
        {
            _history.Enqueue(record);
            while (_history.Count > Math.Max(1, Options.HistoryCapacity))
            {
                _history.Dequeue();
            }
        }
        Interlocked.Increment(ref _completed);
        if (signal)
        {
            try
            {
                Engine.CompleteOnCpu(rq);
            }
            catch (Exception e)
            {
                // A fence callback threw (a driver bug; the signal happened and every other callback ran, see
                // DmaFence.Signal): reported and counted as a simulated engine's breadcrumbs do, and the engine goes
                // on — it must not take the engine thread, and every later request, down with it.
                Interlocked.Increment(ref _callbackFaults);
                _log.Error(e, "{Engine}: a fence callback of {Request} threw", Name, rq);
            }
        }
    }

    /// <summary>
    /// Stops the engine: a running batch is aborted (its request -EIO), queued requests are cancelled with -EIO, the
    /// thread is joined (bounded), and the engine's objects on the device are destroyed. Dispose engines before
    /// their <see cref="VulkanDevice"/>.
    /// </summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _doorbell.Set();
        if (!_thread.Join(Options.AbortGrace + TimeSpan.FromSeconds(5)))
        {
            _log.Error("{Engine}: engine thread did not stop; its device objects are leaked", Name);
        }

        DrainCancelled("engine stopped");
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
