using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Locking;
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

    /// <summary>Builds the GT and starts its engine threads.</summary>
    public IntelGt(GtConfig? config = null)
    {
        Config = config ?? new GtConfig();
        Memory = new DeviceMemory(Config.MemoryBytes);
        // The HWSP pages get a range of their own above the users' (2 MiB: 32768 timelines' slots, an eighth of a
        // small test GGTT), so the users' full-ppGTT range holds no object of the driver's.
        Ggtt = new Ggtt(Config.GgttBytes, Math.Min(2L << 20, Config.GgttBytes / 8 / DeviceMemory.PageSize * DeviceMemory.PageSize));
        StatusPages = new StatusPageAllocator(Memory, Ggtt);
        // stop_machine() takes cpu_hotplug_lock for read, always: a stop-machine wedge inside the reset (under
        // gt->reset.mutex, in the fence-signalling section) beside the stop-machine mmap policy is the 2018 splat,
        // and runs that combine them expect that report (docs/benchmarks.md, StopMachineSplatDemo).
        StopMachine = new StopMachine("stop_machine", Lockdep.Default);
        var wakeGroup = new WakeGroup();
        _engines = EngineIds.All.Select(id => Config.EngineFactory?.Invoke(id, this) ?? new ExeclistsEngine(id, Ggtt,
            (Config.BusyPollEngines & id.Mask()) != 0 ? Config.Engine with { BusyPoll = true } : Config.Engine, wakeGroup)).ToArray();
        foreach (Engine e in _engines)
        {
            StopMachine.Register(e);
        }

        KernelClient = new Client(NextClientId(), "kernel", privileged: true, StatusPages, isKernel: true);
        _submitNotify = SubmitNotify;
        ReadSide = Config.ReadSide?.Invoke(this) ?? (Config.WedgeStrategy == WedgeStrategy.Epoch
            ? new EpochReadSide(SubmitEpoch)
            : new StopMachineReadSide(StopMachine));
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

    /// <summary>
    /// The request slab every request is rented from. A request goes back only when its creator put its reference
    /// (<see cref="Request.Put"/>); the uapi never does for the out-fences it hands to users, so only callers that
    /// opt in (benchmarks, in-kernel users that drop their request) make the steady state allocation-free.
    /// </summary>
    public RequestPool Requests { get; } = new();

    /// <summary>The epoch protecting <see cref="Engine.SubmitRequest"/> readers (used by the epoch wedge strategy).</summary>
    public Epoch SubmitEpoch { get; } = new("submit_request");

    /// <summary>The stop-the-world alternative (used by the stop-machine wedge strategy).</summary>
    public StopMachine StopMachine { get; }

    /// <summary>
    /// Called with every request as it is created (tracing, statistics). Null (the default) costs one branch per
    /// request. Runs on the submitting thread under the timeline mutex: it must be quick and take no driver lock.
    /// </summary>
    public Action<Request>? RequestCreated { get; set; }

    /// <summary>
    /// What guards every submission against the wedge's handler swap: the wedge strategy's own read side, unless the
    /// configuration supplied another (benchmark baselines).
    /// </summary>
    public ISubmitReadSide ReadSide { get; }

    /// <summary>Active wedge strategy.</summary>
    public WedgeStrategy WedgeStrategy => Config.WedgeStrategy;

    /// <summary>The engine with id <paramref name="id"/>.</summary>
    public Engine this[EngineId id] => _engines[(int)id];

    /// <summary>Allocates a client id.</summary>
    public int NextClientId() => Interlocked.Increment(ref _nextClientId);

    /// <summary>
    /// Builds a request on <paramref name="context"/>'s timeline for <paramref name="engine"/>, awaiting
    /// <paramref name="inFences"/>, and submits it (now, or when its last in-fence signals). Its priority is the
    /// context's, unless <paramref name="priority"/> gives it its own (a kernel pulse's: heartbeat_commit). Returns
    /// the request, which is its own out-fence, with the creator's counted reference: a caller that puts it
    /// (<see cref="Request.Put"/>) when done lets the request be recycled once it has retired.
    /// <paramref name="submitFences"/> (I915_EXEC_FENCE_SUBMIT) are awaited only until their requests begin executing
    /// (<see cref="AwaitExecution(Request, DmaFence)"/>). <paramref name="captureList"/> becomes the request's
    /// <see cref="Request.CaptureList"/>.
    /// </summary>
    public Request CreateAndSubmit(GpuContext context, EngineId engine, uint batchAddress, RequestFlags flags = RequestFlags.None,
        IReadOnlyList<DmaFence>? inFences = null, int? priority = null, IReadOnlyList<DmaFence>? submitFences = null,
        IReadOnlyList<uint>? captureList = null)
    {
        Timeline tl = context.GetTimeline(engine);
        // The timeline mutex orders seqno allocation with submission: a request is committed before the next one on
        // its timeline is built, so two requests of one timeline reach the engine in seqno order.
        using (tl.Mutex.Acquire())
        {
            // __i915_request_create: the request comes from a slab with GFP_KERNEL under the timeline mutex, so
            // timeline->mutex → fs_reclaim (→ dma_fence_map: reclaim may wait on fences).
            Lockdep.MightAlloc();
            Request rq = Requests.Rent(tl, tl.NextSeqno(), batchAddress, flags);
            Request? prev = null;
            try
            {
                rq.Props = this[engine].Props;
                rq.CaptureList = captureList;
                if (priority is { } p)
                {
                    rq.Priority = p;
                }

                // A counted reference of our own (i915 links prev into rq's scheduling dependencies, which it keeps
                // until prev retires): storing rq into Timeline.Last below drops Last's, and prev, if its other
                // holders let go meanwhile, could be recycled as another context's request before BumpSignalers.
                prev = tl.Last?.Get();
                // Timeline order: a predecessor still held on its own dependencies must complete first. One already
                // submitted is ahead of us in the engine's queue, which keeps a timeline's requests in order.
                if (prev is not null && !prev.IsSubmitted && !prev.IsSignaled)
                {
                    rq.Await(prev, propagateError: false);
                }

                if (inFences is not null)
                {
                    foreach (DmaFence f in inFences)
                    {
                        AwaitDmaFence(rq, f);
                    }
                }

                if (submitFences is not null)
                {
                    foreach (DmaFence f in submitFences)
                    {
                        AwaitExecution(rq, f);
                    }
                }

                tl.Last = rq;
                RequestCreated?.Invoke(rq);
            }
            catch
            {
                // A request once created is always added, as i915's eb_request_add does on an error: skipped, with
                // the error set, it still takes its place on the timeline and signals, so nothing built on its seqno
                // or on the dependencies already registered waits for ever. The caller sees the exception.
                rq.SetErrorOnce(-Errno.EIO);
                rq.Skip = true;
                if (tl.Last != rq)
                {
                    tl.Last = rq;
                }

                rq.Commit(_submitNotify);
                rq.Put(); // the creator's reference, which no caller will hold
                prev?.Put();
                throw;
            }

            rq.Commit(_submitNotify);
            try
            {
                BumpSignalers(rq, prev);
            }
            finally
            {
                prev?.Put();
            }

            return rq;
        }
    }

    /// <summary>
    /// Priority inheritance (__i915_schedule, run by i915_request_add through __i915_request_queue): every request of
    /// this GT that <paramref name="rq"/> waits on, directly or through its own signalers, and that has a lower
    /// priority, is raised to <paramref name="rq"/>'s on its engine, so low-priority work a high-priority request
    /// depends on is not starved by medium-priority work (priority inversion). A signaler already running has no
    /// signalers left to raise. <paramref name="prev"/> is the previous request of the timeline, awaited in order.
    /// </summary>
    private void BumpSignalers(Request rq, Request? prev)
    {
        int prio = rq.Priority;
        Stack<Request>? walk = null;
        if (prev is not null)
        {
            Bump(prev, prio, ref walk);
        }

        for (Request? node = rq; node is not null; node = walk is { Count: > 0 } ? walk.Pop() : null)
        {
            foreach (DmaFence fence in node.InFences)
            {
                if (fence is Request signaler && IsOurs(signaler))
                {
                    Bump(signaler, prio, ref walk);
                }
            }
        }
    }

    private void Bump(Request signaler, int prio, ref Stack<Request>? walk)
    {
        if (signaler.IsSignaled || signaler.Priority >= prio)
        {
            return;
        }

        this[signaler.Engine].Schedule(signaler, prio);
        if (!signaler.Started)
        {
            (walk ??= new Stack<Request>()).Push(signaler);
        }
    }

    /// <summary>
    /// i915_request_await_dma_fence: a sync_file's fence array (<see cref="MergedFence"/>) is taken member by member (a
    /// nested one too, which the kernel's merge never builds: dma_fence_unwrap_merge flattens); a request of this GT is
    /// awaited as a request (i915_request_await_request): without a bound, since recovery, not a timer, ends a hung
    /// one, and with its error passed on by the request's rules; anything else goes to <see cref="AwaitExternal"/>.
    /// </summary>
    private void AwaitDmaFence(Request rq, DmaFence fence)
    {
        if (fence is MergedFence merged)
        {
            foreach (DmaFence member in merged.Members)
            {
                AwaitDmaFence(rq, member);
            }

            return;
        }

        if (fence is Request other && IsOurs(other))
        {
            rq.Await(other);
        }
        else
        {
            AwaitExternal(rq, fence);
        }
    }

    /// <summary>
    /// i915_request_await_external: a fence that is not one of our requests is awaited with I915_FENCE_TIMEOUT
    /// (<see cref="GtConfig.ForeignFenceTimeout"/>), except a timeline point (<see cref="DmaFenceChain"/>), which
    /// signals without the error of the fence it wraps and so is looked through (dma_fence_chain_for_each): each link
    /// whose fence is a request of ours is awaited as a request (i915_request_await_dma_fence on chain->fence); at the
    /// first link whose fence is not (a foreign fence, or an array), the rest of the chain from that link is awaited as
    /// one foreign fence, bounded (__i915_request_await_external). Links the walk
    /// collects (<see cref="DmaFenceChain.Walk"/>) have a signalled fence, so nothing the point waits for is dropped,
    /// and the walk ends on a chain's plain tail fence (a binary syncobj's), whose own kind then decides.
    /// </summary>
    private void AwaitExternal(Request rq, DmaFence fence)
    {
        if (fence is not DmaFenceChain)
        {
            rq.Await(fence, timeout: Config.ForeignFenceTimeout);
            return;
        }

        for (DmaFence? iter = fence; iter is not null; iter = DmaFenceChain.Walk(iter))
        {
            // dma_fence_chain_contained: a link's own fence, or the tail fence itself.
            DmaFence contained = iter is DmaFenceChain link ? link.Fence : iter;
            if (contained is not Request other || !IsOurs(other))
            {
                rq.Await(iter, timeout: Config.ForeignFenceTimeout);
                return;
            }

            rq.Await(other);
        }
    }

    /// <summary>
    /// i915_request_await_execution: a sync_file's fence array is taken member by member; an already signalled fence
    /// is skipped (nothing is inherited from it); a request of this GT is awaited until it begins executing
    /// (<see cref="Request.AwaitExecution"/>); any other fence, which has no notion of execution, is awaited to its
    /// signal like an ordinary in-fence (i915_request_await_external): bounded as a foreign one, except that a
    /// timeline point's requests of ours are awaited to completion without the bound (<see cref="AwaitExternal"/>).
    /// </summary>
    private void AwaitExecution(Request rq, DmaFence fence)
    {
        if (fence is MergedFence merged)
        {
            foreach (DmaFence member in merged.Members)
            {
                AwaitExecution(rq, member);
            }

            return;
        }

        if (fence.IsSignaled)
        {
            return;
        }

        if (fence is Request signal && IsOurs(signal))
        {
            rq.AwaitExecution(signal);
        }
        else
        {
            AwaitExternal(rq, fence);
        }
    }

    /// <summary>Whether <paramref name="rq"/> was built on this GT (its timeline's status page is one of ours).</summary>
    private bool IsOurs(Request rq) => rq.Context.Client.StatusPages == StatusPages;

    /// <summary>
    /// submit_notify: runs <paramref name="rq"/> through its engine's current <see cref="Engine.SubmitRequest"/> inside
    /// the read side.
    /// </summary>
    private void SubmitNotify(Request rq)
    {
        ReadSide.Submit(_engines[(int)rq.Engine], rq);
        // Only now is rq in its engine's queue (or already completed by a nop handler), so only now may a successor
        // on its timeline rely on the engine's FIFO instead of awaiting it (CreateAndSubmit reads this under the
        // timeline mutex). Marked before the hand-over, a successor built in between was queued ahead of rq, and its
        // breadcrumb then made rq look completed: rq signalled without its payload ever running. The Interlocked
        // exchange orders the queue write above before the flag.
        rq.MarkSubmitted();
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
