using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Core.Sync;
using Driver.Engines.Execution;

namespace Driver.Engines.Gt;

/// <summary>
/// The graphics tile (intel_gt): device memory, the GGTT, status pages, the five engines, the kernel context, and
/// the submission path every request takes: built on its timeline, held until its in-fences signal, then handed to
/// its engine's <see cref="Engine.SubmitRequest"/> inside the submit epoch's read section
/// (<c>submit_notify</c>: <c>rcu_read_lock(); engine->submit_request(rq); rcu_read_unlock();</c>).
/// </summary>
public sealed class IntelGt : IDisposable
{
    private readonly Engine[] _engines;
    private readonly Action<Request> _submitNotify;
    private int _nextClientId;
    private readonly SubmitReadSide _readSide;

    /// <summary>The wedge strategy's read side is the epoch (else stop-machine regions); read once per submission.</summary>
    private readonly bool _epochReadSide;

    // Comparison baselines for benchmarks only (SubmitReadSide): deliberately the plain .NET primitives being
    // measured, not validated driver locks. Never used with the default configuration.
    private readonly ReaderWriterLockSlim _submitRwLock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly object _submitMonitor = new();

    /// <summary>Builds the GT and starts its engine threads.</summary>
    public IntelGt(GtConfig? config = null)
    {
        Config = config ?? new GtConfig();
        Memory = new DeviceMemory(Config.MemoryBytes);
        Ggtt = new Ggtt(Config.GgttBytes);
        StatusPages = new StatusPageAllocator(Memory, Ggtt);
        _engines = EngineIds.All.Select(id => new Engine(id, Ggtt,
            (Config.BusyPollEngines & id.Mask()) != 0 ? Config.Engine with { BusyPoll = true } : Config.Engine)).ToArray();
        foreach (Engine e in _engines)
        {
            StopMachine.Register(e);
        }

        KernelClient = new Client(NextClientId(), "kernel", privileged: true, StatusPages, isKernel: true);
        _submitNotify = SubmitNotify;
        _readSide = Config.SubmitReadSide;
        _epochReadSide = Config.WedgeStrategy == WedgeStrategy.Epoch;
    }

    /// <summary>Configuration.</summary>
    public GtConfig Config { get; }

    /// <summary>Device memory.</summary>
    public DeviceMemory Memory { get; }

    /// <summary>The global GTT.</summary>
    public Ggtt Ggtt { get; }

    /// <summary>Status page (breadcrumb) allocator.</summary>
    public StatusPageAllocator StatusPages { get; }

    /// <summary>The engines, indexed by <see cref="EngineId"/>.</summary>
    public IReadOnlyList<Engine> Engines => _engines;

    /// <summary>The kernel's own client; its default context sends heartbeat pulses.</summary>
    public Client KernelClient { get; }

    /// <summary>The epoch protecting <see cref="Engine.SubmitRequest"/> readers (used by the epoch wedge strategy).</summary>
    public Epoch SubmitEpoch { get; } = new("submit_request");

    /// <summary>The stop-the-world alternative (used by the stop-machine wedge strategy).</summary>
    public StopMachine StopMachine { get; } = new("stop_machine");

    /// <summary>
    /// Called with every request as it is created (tracing, statistics). Null (the default) costs one branch per
    /// request. Runs on the submitting thread under the timeline mutex: it must be quick and take no driver lock.
    /// </summary>
    public Action<Request>? RequestCreated { get; set; }

    /// <summary>Active wedge strategy.</summary>
    public WedgeStrategy WedgeStrategy => Config.WedgeStrategy;

    /// <summary>The engine with id <paramref name="id"/>.</summary>
    public Engine this[EngineId id] => _engines[(int)id];

    /// <summary>Allocates a client id.</summary>
    public int NextClientId() => Interlocked.Increment(ref _nextClientId);

    /// <summary>
    /// Builds a request on <paramref name="context"/>'s timeline for <paramref name="engine"/>, awaiting
    /// <paramref name="inFences"/>, and submits it (now, or when its last in-fence signals). Returns the request,
    /// which is its own out-fence.
    /// </summary>
    public Request CreateAndSubmit(GpuContext context, EngineId engine, uint batchAddress, RequestFlags flags = RequestFlags.None,
        IReadOnlyList<DmaFence>? inFences = null)
    {
        Timeline tl = context.GetTimeline(engine);
        // The timeline mutex orders seqno allocation with submission: a request is committed before the next one on
        // its timeline is built, so two requests of one timeline reach the engine in seqno order.
        using (tl.Mutex.Acquire())
        {
            var rq = new Request(tl, tl.NextSeqno(), batchAddress, flags);
            Request? prev = tl.Last;
            // Timeline order: a predecessor still held on its own dependencies must complete first. One already
            // submitted is ahead of us in the engine's FIFO, which orders us for free.
            if (prev is not null && !prev.IsSubmitted && !prev.IsSignaled)
            {
                rq.Await(prev, propagateError: false);
            }

            if (inFences is not null)
            {
                foreach (DmaFence f in inFences)
                {
                    // i915_request_await_dma_fence: a request of this GT is awaited without a bound (recovery ends it),
                    // a foreign fence with I915_FENCE_TIMEOUT. A merged fence of requests counts as foreign too, as a
                    // sync_file array does when it spans devices.
                    rq.Await(f, timeout: f is Request other && IsOurs(other) ? null : Config.ForeignFenceTimeout);
                }
            }

            tl.Last = rq;
            RequestCreated?.Invoke(rq);
            rq.Commit(_submitNotify);
            return rq;
        }
    }

    /// <summary>Whether <paramref name="rq"/> was built on this GT (its timeline's status page is one of ours).</summary>
    private bool IsOurs(Request rq) => rq.Context.Client.StatusPages == StatusPages;

    /// <summary>
    /// Runs <paramref name="rq"/> through its engine's current <see cref="Engine.SubmitRequest"/> inside the read
    /// side that matches the wedge strategy.
    /// </summary>
    private void SubmitNotify(Request rq)
    {
        Engine engine = _engines[(int)rq.Engine];
        if (_readSide != SubmitReadSide.Strategy)
        {
            SubmitNotifyBaseline(engine, rq);
            return;
        }
        if (_epochReadSide)
        {
            // Read side: the wedge swaps SubmitRequest and then waits a grace period (Epoch.Synchronize) for every
            // section that may still be running the old handler.
            using (SubmitEpoch.Read())
            {
                engine.SubmitRequest(rq);
            }
        }
        else if (Engine.Current is not null)
        {
            // An engine thread (signalling a dependency) is stopped by being parked, and it never parks while
            // submitting, so it needs no region; entering one could block it where it cannot reach its safe point.
            engine.SubmitRequest(rq);
        }
        else
        {
            StopMachine.EnterRegion();
            try { engine.SubmitRequest(rq); }
            finally { StopMachine.ExitRegion(); }
        }
        // Only now is rq in its engine's queue (or already completed by a nop handler), so only now may a successor
        // on its timeline rely on the engine's FIFO instead of awaiting it (CreateAndSubmit reads this under the
        // timeline mutex). Marked before the hand-over, a successor built in between was queued ahead of rq, and its
        // breadcrumb then made rq look completed: rq signalled without its payload ever running. The Interlocked
        // exchange orders the queue write above before the flag.
        rq.MarkSubmitted();
    }

    /// <summary>The comparison read sides of <see cref="SubmitReadSide"/> (benchmarks).</summary>
    private void SubmitNotifyBaseline(Engine engine, Request rq)
    {
        switch (_readSide)
        {
            case SubmitReadSide.ReaderWriterLock:
                // Reentrant: a submission can signal a fence whose callback submits again on this thread.
                _submitRwLock.EnterReadLock();
                try { engine.SubmitRequest(rq); }
                finally { _submitRwLock.ExitReadLock(); }
                break;
            case SubmitReadSide.Monitor:
                lock (_submitMonitor)
                {
                    engine.SubmitRequest(rq);
                }

                break;
            default:
                engine.SubmitRequest(rq);
                break;
        }
    }

    /// <summary>
    /// Runs <paramref name="swap"/> on the write side of the configured comparison read side (a baseline's
    /// equivalent of the grace period). Returns false when the read side is the wedge strategy's own.
    /// </summary>
    public bool SwapUnderBaselineWriteSide(Action swap)
    {
        switch (_readSide)
        {
            case SubmitReadSide.ReaderWriterLock:
                _submitRwLock.EnterWriteLock();
                try { swap(); }
                finally { _submitRwLock.ExitWriteLock(); }
                return true;
            case SubmitReadSide.Monitor:
                lock (_submitMonitor)
                {
                    swap();
                }

                return true;
            case SubmitReadSide.Unprotected:
                swap();
                return true;
            default:
                return false;
        }
    }

    /// <summary>Stops every engine thread.</summary>
    public void Dispose()
    {
        foreach (Engine e in _engines)
        {
            e.Dispose();
        }
    }
}
