using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Locking;

namespace Driver.Core.Requests;

/// <summary>
/// A request (i915_request): one batch on one context's timeline, and the fence that signals when its breadcrumb
/// has been written. The request is its own fence (the kernel embeds dma_fence in i915_request), which saves an
/// allocation per submission.
/// </summary>
/// <remarks>
/// <para>Lifecycle: created under the timeline mutex → held until every in-fence has signalled (the submit gate) →
/// submitted through the engine's SubmitRequest → executed by the engine thread → breadcrumb written → signalled by
/// the engine's breadcrumbs → retired by the engine (<see cref="Retire"/>) → freed when its last reference goes
/// (<see cref="Put"/>) and, when it came from a <see cref="RequestPool"/>, recycled for a later request. Fields marked
/// "engine-owned" are written only by the engine thread, or by the reset path while that engine is parked; the park
/// handshake orders those accesses.</para>
/// <para>Recycling (i915's request slab, SLAB_TYPESAFE_BY_RCU) and the rule that keeps it safe: a request is counted
/// (a kref): its creator's reference (what <see cref="RequestPool.Rent"/> and IntelGt.CreateAndSubmit return), the
/// engine's in-flight one (dropped by <see cref="Retire"/>, only on the engine's own breadcrumb signal: a request
/// completed on the CPU — cancelled, wedged, preempted pulse — keeps it and is never recycled), its timeline's
/// <see cref="Timeline.Last"/>, and one per later request that lists it in <see cref="InFences"/>. Only when every
/// one of them is put does the object go back to its pool, with <see cref="Generation"/> bumped, and only after it
/// signalled. Hence: <b>whoever holds a counted reference sees its own request for as long as it holds it</b> —
/// seqno, error, status, signal time — however many requests are recycled meanwhile. A caller that never puts its
/// reference (every out-fence handed to a user through the uapi: sync files, reservation objects, the heartbeat's
/// pulses) keeps the request out of recycling for good, which is the default. A reader holding no counted
/// reference (the RCU readers of SLAB_TYPESAFE_BY_RCU: one that loaded a pointer from an engine or a timeline) may
/// find the object recycled under it; it must take a reference with <see cref="TryGet()"/> and then re-check that
/// it still has the request it meant, by the pointer it loaded it from (<see cref="Timeline.GetLast"/>, like
/// dma_fence_get_rcu_safe) or by the <see cref="Generation"/> it saw (<see cref="TryGet(int)"/>), before it trusts
/// anything it reads.</para>
/// </remarks>
public sealed class Request : DmaFence
{
    /// <summary>Pending dependencies + 1 until <see cref="Commit"/>; reaching 0 submits.</summary>
    private int _pendingDependencies = 1;
    private int _submitted;

    /// <summary>
    /// Set by <see cref="MarkCompleteOnCpu"/>: this request, and only this one, counts as complete although the engine
    /// never wrote its seqno (i915_request_mark_complete points the request at its own seqno).
    /// </summary>
    private int _completeOnCpu;
    private Action<Request>? _onReady;
    private List<DmaFence>? _inFences;

    /// <summary>
    /// Counted references (see the remarks): the creator's and the engine's in-flight one to begin with. At zero the
    /// request is freed (<see cref="Free"/>).
    /// </summary>
    private int _refs = 2;

    /// <summary>Set once by <see cref="Retire"/>: the in-flight reference is put exactly once.</summary>
    private int _retired;

    /// <summary>Bumped every time the request is freed; see <see cref="Generation"/>.</summary>
    private int _generation;

    /// <summary>The slab this request returns to when freed; null for one built with the public constructor.</summary>
    private readonly RequestPool? _pool;

    /// <summary>Dependency callback nodes of this incarnation (linked by their Next), kept for the next one.</summary>
    private DependencyCallback? _usedDependencies;

    /// <summary>Dependency callback nodes free for reuse by the next incarnation's <see cref="Await"/>.</summary>
    private DependencyCallback? _spareDependencies;

    /// <summary>
    /// The submit fence's error (i915_sw_fence.error): the first error of an awaited fence, fatal or not, set once by
    /// compare-and-swap from 0 (i915_sw_fence_set_error_once). Applied to the request when it is submitted.
    /// </summary>
    private int _submitError;

    /// <summary>
    /// rq->execute_cb: requests whose submission waits for this one to reach the hardware (<see cref="AwaitExecution"/>,
    /// I915_EXEC_FENCE_SUBMIT). Pushed lock-free by their builders; taken whole, by one exchange, by whoever runs them
    /// (<see cref="RunExecuteCallbacks"/>), so each runs exactly once. Null for almost every request.
    /// </summary>
    private ExecuteCallback? _executeCallbacks;

    /// <summary>
    /// I915_FENCE_FLAG_ACTIVE as the execute callbacks see it: set once the request reached the hardware
    /// (<see cref="MarkExecuting"/>), or ended without ever doing so (<see cref="OnSignaled"/>); a preemption does not
    /// clear it (the callbacks ran already). A builder that pushes a callback after this is set runs it itself.
    /// </summary>
    private int _executing;

    /// <summary>
    /// Creates a request; the caller holds the timeline mutex and passes the seqno it allocated. The request keeps
    /// the timeline's breadcrumb slot alive until it signals; EIO when the timeline was already released (its
    /// context closed and idle).
    /// </summary>
    public Request(Timeline timeline, uint seqno, uint batchAddress, RequestFlags flags)
        : this(timeline, seqno, batchAddress, flags, pool: null)
    {
    }

    /// <summary>A request of <paramref name="pool"/>, which it goes back to when freed.</summary>
    internal Request(Timeline timeline, uint seqno, uint batchAddress, RequestFlags flags, RequestPool? pool)
        : base(timeline.FenceContext, seqno)
    {
        if (!timeline.TryGet())
        {
            throw Released(timeline);
        }

        _pool = pool;
        if (pool is not null)
        {
            // A slab request lives on through many lives: its monitor is built once, here, not at the first wait
            // that sleeps on it in some later life (which would allocate on the steady-state path).
            PreallocateSync();
        }

        Initialize(timeline, batchAddress, flags);
    }

    /// <summary>The EIO of a request built on a timeline whose slot was already released.</summary>
    internal static DriverException Released(Timeline timeline) =>
        new(Errno.EIO, $"{timeline} was released (its context is closed)");

    [MemberNotNull(nameof(Timeline), nameof(Context))]
    private void Initialize(Timeline timeline, uint batchAddress, RequestFlags flags)
    {
        Timeline = timeline;
        Context = timeline.Context;
        BatchAddress = batchAddress;
        Flags = flags;
        Priority = timeline.Context.Priority;
        CreatedTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Recycles a freed request as a new one on <paramref name="timeline"/> (__i915_request_create on an object from
    /// the slab). The caller took the timeline reference (<see cref="Timeline.TryGet"/>) and owns the object: its
    /// counted references are zero, so only RCU readers can still look at it, and they re-check
    /// <see cref="Generation"/>, bumped when it was freed. The references are published last.
    /// </summary>
    internal void Reuse(Timeline timeline, uint seqno, uint batchAddress, RequestFlags flags)
    {
        Debug.Assert(Volatile.Read(ref _refs) == 0, $"{this} recycled while still referenced");
        Debug.Assert(SchedList is null && SchedPrev is null && SchedNext is null && SchedTimelineNext is null,
            $"{this} recycled while still on an engine queue");
        _pendingDependencies = 1;
        _submitted = 0;
        _completeOnCpu = 0;
        _onReady = null;
        _submitError = 0;
        _executing = 0;
        Debug.Assert(_executeCallbacks is null, $"{this} recycled with execute callbacks still pending");
        _retired = 0;
        Props = null;
        CaptureList = null;
        ResumeWorkNs = 0;
        StartedTimestamp = 0;
        ReplayStartedTimestamp = 0;
        Started = false;
        Skip = false;
        ResumeAddress = 0;
        HasResumeAddress = false;
        Guilty = false;
        SemaphoreYieldMark = 0;
        Replays = 0;
        Initialize(timeline, batchAddress, flags);
        Reinitialize(timeline.FenceContext, seqno);
        // Release: whoever takes a reference (TryGet) sees the new incarnation whole, generation included.
        Volatile.Write(ref _refs, 2);
    }

    /// <summary>
    /// Bumped each time the request is freed (possibly to be recycled as another one). A reader holding no counted
    /// reference that noted the generation can tell, with <see cref="TryGet(int)"/>, whether the object is still the
    /// request it saw.
    /// </summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Counted references now (diagnostics and tests).</summary>
    public int References => Volatile.Read(ref _refs);

    /// <summary>
    /// i915_request_get: takes another counted reference; the caller already holds one (or the object cannot be
    /// freed under it for another reason), so the count is above zero.
    /// </summary>
    public Request Get()
    {
        int refs = Interlocked.Increment(ref _refs);
        Debug.Assert(refs > 1, $"{this}: reference taken on a freed request");
        return this;
    }

    /// <summary>
    /// kref_get_unless_zero (dma_fence_get_rcu): takes a counted reference unless the request was already freed.
    /// A true answer alone does not say it is still the request the caller meant: it may have been recycled; the
    /// caller re-checks where it found it, or uses <see cref="TryGet(int)"/>.
    /// </summary>
    public bool TryGet()
    {
        int refs = Volatile.Read(ref _refs);
        while (refs > 0)
        {
            int seen = Interlocked.CompareExchange(ref _refs, refs + 1, refs);
            if (seen == refs)
            {
                return true;
            }

            refs = seen;
        }

        return false;
    }

    /// <summary>
    /// Takes a counted reference only if the object is still the request of <paramref name="generation"/>: not
    /// freed, and not recycled since. False: the request the caller saw is gone (it had signalled before it could be
    /// freed); nothing is held.
    /// </summary>
    public bool TryGet(int generation)
    {
        if (!TryGet())
        {
            return false;
        }
        // The reference pins the incarnation: the generation cannot change while it is held.
        if (Generation == generation)
        {
            return true;
        }

        Put();
        return false;
    }

    /// <summary>
    /// i915_request_put: drops a counted reference. The last one frees the request, which goes back to its pool to be
    /// recycled; after its own put the caller must not touch the object.
    /// </summary>
    public void Put()
    {
        int refs = Interlocked.Decrement(ref _refs);
        Debug.Assert(refs >= 0, $"{this}: reference dropped more often than taken");
        if (refs == 0)
        {
            Free();
        }
    }

    /// <summary>
    /// i915_request_retire's put: the engine is done with a request it signalled through its breadcrumb and no longer
    /// points at it from any queue, signal list or Active. Drops the in-flight reference, once. Never from inside a
    /// fence callback: a signal made there defers the fence's own callbacks until the outer callback returns, and
    /// recycling the request before they ran would hand them its next incarnation (the engine retires from its
    /// breadcrumb interrupt, which no callback calls).
    /// </summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0)
        {
            Put();
        }
    }

    /// <summary>
    /// i915_fence_release: the last reference went. Only a signalled request is recycled (one freed unsignalled would
    /// break "every fence signals": a driver bug, so it is left to the garbage collector instead).
    /// </summary>
    private void Free()
    {
        if (!IsSignaled)
        {
            Debug.Fail($"{this} freed before it signalled");
            return;
        }

        if (t_freeing)
        {
            // Put by a request being freed on this thread (its InFences): queued for that Free's loop rather than freed
            // here, so releasing a chain of N requests, each listing the one before, takes N turns of the loop and
            // not N nested frames (dma_fence_chain_release unlinks its chain by hand for the same reason).
            _nextFree = t_freeList;
            t_freeList = this;
            return;
        }

        t_freeing = true;
        try
        {
            ReleaseOne();
            while (t_freeList is { } next)
            {
                t_freeList = next._nextFree;
                next._nextFree = null;
                next.ReleaseOne();
            }
        }
        finally
        {
            t_freeing = false;
        }
    }

    /// <summary>
    /// Whether this thread is inside <see cref="Free"/>: a request whose last reference goes meanwhile waits on
    /// <see cref="t_freeList"/> (linked by <see cref="_nextFree"/>) for that Free's loop.
    /// </summary>
#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    [ThreadStatic] private static bool t_freeing;

    /// <summary>Requests freed on this thread while it was inside <see cref="Free"/>, not yet released.</summary>
    [ThreadStatic] private static Request? t_freeList;
#pragma warning restore IDE1006

    /// <summary>Next request on <see cref="t_freeList"/>.</summary>
    private Request? _nextFree;

    /// <summary>The body of <see cref="Free"/> for one request: its references on others go, then it goes to its pool.</summary>
    private void ReleaseOne()
    {
        if (_inFences is { } inFences)
        {
            foreach (DmaFence f in inFences)
            {
                if (f is Request r)
                {
                    r.Put();
                }
            }

            inFences.Clear();
        }
        // Callback nodes go to the spare list, except those that armed a timer: the timer's callback may still run
        // late and must never find the node re-armed for another request.
        while (_usedDependencies is { } node)
        {
            _usedDependencies = node.NextUsed;
            node.NextUsed = null;
            if (!node.HadTimer)
            {
                node.NextUsed = _spareDependencies;
                _spareDependencies = node;
            }
        }

        Debug.Assert(Volatile.Read(ref _executeCallbacks) is null, $"{this} freed with execute callbacks still pending");
        Interlocked.Increment(ref _generation);
        _pool?.Return(this);
    }

    /// <summary>The timeline the request is on.</summary>
    public Timeline Timeline { get; private set; }

    /// <summary>The context it belongs to.</summary>
    public GpuContext Context { get; private set; }

    /// <summary>The engine it runs on.</summary>
    public EngineId Engine => Timeline.Engine;

    /// <summary>
    /// Its engine's properties (rq->engine->props), set by whoever builds the request for an engine; null for a
    /// request built without one (the default busywait then applies).
    /// </summary>
    public EngineProps? Props { get; set; }

    /// <summary>
    /// i915_request_wait spins for its engine's max_busywait_duration_ns, but only once the request is on its way to
    /// the hardware (__i915_spin_request spins only for a running request: a request still held on its dependencies
    /// may be far from done). Here "submitted" stands for running: a request submitted to an idle engine is the next
    /// thing its engine thread executes, and waking that thread is the simulated hardware's start-up time.
    /// </summary>
    protected override long BusywaitNs =>
        IsSubmitted ? Props?.MaxBusywaitDurationNs ?? DefaultMaxBusywaitDurationNs : 0;

    /// <summary>
    /// When the engine began executing the payload (<see cref="StartedTimestamp"/>, 0 before): a waiter whose busywait
    /// ran out while the engine thread was still waking gets its budget from this moment (DmaFence.Busywait).
    /// </summary>
    protected override long RunningSinceTimestamp => StartedTimestamp;

    /// <summary>GGTT address of the first batch dword (0 for a pulse, which has no batch).</summary>
    public uint BatchAddress { get; private set; }

    /// <summary>Options.</summary>
    public RequestFlags Flags { get; private set; }

    /// <summary>
    /// GGTT addresses of the objects the execbuf marked EXEC_OBJECT_CAPTURE (i915's rq->capture_list), or null: the
    /// error state records their contents when this request hangs. Set before the request is submitted and not
    /// changed after; the objects are among its reservation's fences, so while it is unsignalled they stay bound
    /// there (the capture reads them only then).
    /// </summary>
    public IReadOnlyList<uint>? CaptureList { get; set; }

    /// <summary>
    /// Scheduling priority (i915's rq->sched.attr.priority): the context's I915_CONTEXT_PARAM_PRIORITY when the
    /// request was built, or a kernel pulse's own. Only ever raised afterwards, through its engine's
    /// <c>Schedule</c> (the heartbeat's ladder), or by priority inheritance: from a request waiting on it (__i915_schedule)
    /// or from a later request of its timeline.
    /// </summary>
    public int Priority
    {
        get => Volatile.Read(ref _priority);
        set => Volatile.Write(ref _priority, value);
    }
    private int _priority;

    /// <summary>
    /// Raises <see cref="Priority"/> to <paramref name="priority"/> if that is higher; never lowers it, however many
    /// threads raise it at once (a submitter passing its priority to its signalers, the heartbeat, the engine's
    /// in-timeline inheritance). True when this call raised it.
    /// </summary>
    public bool RaisePriority(int priority)
    {
        int current = Volatile.Read(ref _priority);
        while (priority > current)
        {
            int seen = Interlocked.CompareExchange(ref _priority, priority, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Engine-owned: the engine's priority list holding the request while it waits there (null otherwise).</summary>
    public object? SchedList { get; set; }

    /// <summary>Engine-owned: the previous request in <see cref="SchedList"/>.</summary>
    public Request? SchedPrev { get; set; }

    /// <summary>Engine-owned: the next request in <see cref="SchedList"/>.</summary>
    public Request? SchedNext { get; set; }

    /// <summary>Engine-owned: the next request of the same timeline waiting in its engine's queue.</summary>
    public Request? SchedTimelineNext { get; set; }

    /// <summary>
    /// Engine-owned: nanoseconds of an MI_WORK left when the request was preempted inside it, resumed at
    /// <see cref="ResumeAddress"/>; 0 otherwise.
    /// </summary>
    public uint ResumeWorkNs { get; set; }

    /// <summary>Creation time (Stopwatch timestamp).</summary>
    public long CreatedTimestamp { get; private set; }

    /// <summary>Time the engine began executing it, 0 if never (engine-owned).</summary>
    public long StartedTimestamp { get; set; }

    /// <summary>
    /// When the engine last began executing it, if that was a replay after a reset (engine-owned); 0 when it ran
    /// once. Only replays pay for the timestamp.
    /// </summary>
    public long ReplayStartedTimestamp { get; set; }

    /// <summary>Whether the engine began executing its payload (engine-owned). Decides guilt on a reset.</summary>
    public bool Started { get; set; }

    /// <summary>
    /// The payload is skipped (nop'ed): set for a guilty request and for one whose dependency failed fatally. The
    /// breadcrumb is still written, so the fence still signals through the normal path.
    /// </summary>
    public bool Skip { get; set; }

    /// <summary>
    /// Where to resume the batch after a preemption (engine-owned; the context image's RING_HEAD), valid while
    /// <see cref="HasResumeAddress"/>; otherwise the batch runs from <see cref="BatchAddress"/>.
    /// </summary>
    public uint ResumeAddress { get; set; }

    /// <summary>
    /// Whether <see cref="ResumeAddress"/> holds a resume point (engine-owned). A flag of its own, not address 0:
    /// a batch softpinned at GPU address 0 may be preempted there.
    /// </summary>
    public bool HasResumeAddress { get; set; }

    /// <summary>
    /// Engine-owned: the engine's count of passed semaphores when this batch last gave its timeslice away at an
    /// unsatisfied MI_SEMAPHORE_WAIT (timeslice_yield); 0 if it never did. Back on the engine and still waiting, it
    /// yields again only if some semaphore was passed there meanwhile: otherwise nobody it could be waiting for made
    /// progress, and it keeps its timeslice (batches all waiting on the CPU do not pass the engine round at full speed).
    /// </summary>
    public long SemaphoreYieldMark { get; set; }

    /// <summary>Marked guilty by a reset.</summary>
    public bool Guilty { get; set; }

    /// <summary>Number of times a reset sent this request back to be replayed.</summary>
    public int Replays { get; set; }

    /// <summary>Whether the request has gone through its engine's SubmitRequest (it is queued there, or was completed by it).</summary>
    public bool IsSubmitted => Volatile.Read(ref _submitted) != 0;

    /// <summary>
    /// Whether the request is complete: the engine wrote its seqno (or a later one) to the timeline's breadcrumb, or it
    /// was completed on the CPU (<see cref="MarkCompleteOnCpu"/>). A CPU completion never touches the shared
    /// breadcrumb, so it cannot make an earlier request of the same timeline look complete.
    /// </summary>
    public bool IsCompleted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        // IsSignaled last: a request that signalled may have let its timeline's slot go, and a reader racing with
        // that may read a zero or a new owner's seqno there; both were written after the signal, so the acquire read
        // of the breadcrumb makes the signal visible here (i915_request_completed also trusts the signalled bit).
        get => Volatile.Read(ref _completeOnCpu) != 0 || Timeline.HasPassed(Seqno) || IsSignaled;
    }

    /// <summary>
    /// Marks this request complete without the engine (i915_request_mark_complete): cancelled, nop-submitted while
    /// wedged, or a pulse taken by preemption. The timeline's breadcrumb is left alone: only the engine writes it, in
    /// seqno order. Release: the error set before is visible to whoever sees the request complete.
    /// </summary>
    public void MarkCompleteOnCpu() => Volatile.Write(ref _completeOnCpu, 1);

    /// <summary>Whether <see cref="MarkCompleteOnCpu"/> was called on this request.</summary>
    public bool IsCompletedOnCpu => Volatile.Read(ref _completeOnCpu) != 0;

    /// <summary>Fences this request awaited (for error states and tests); empty for most requests.</summary>
    public IReadOnlyList<DmaFence> InFences => (IReadOnlyList<DmaFence>?)_inFences ?? [];

    /// <summary>Whether this is a kernel pulse with no payload.</summary>
    public bool IsPulse => (Flags & RequestFlags.Pulse) != 0;

    /// <summary>
    /// Holds submission until <paramref name="fence"/> signals. When <paramref name="propagateError"/>, the fence's
    /// error — any error, fatal or not — is passed on to this request (the first one among its in-fences wins, as
    /// i915_sw_fence_set_error_once keeps it); only a fatal one makes it skip its payload. A
    /// <paramref name="timeout"/> bounds the wait on a foreign fence (i915's I915_FENCE_TIMEOUT): past it the request
    /// stops waiting, takes -ETIMEDOUT (not fatal: it still runs) and is submitted. Call before <see cref="Commit"/>.
    /// </summary>
    public void Await(DmaFence fence, bool propagateError = true, TimeSpan? timeout = null)
    {
        if (Volatile.Read(ref _onReady) is not null)
        {
            throw new InvalidOperationException("request already committed");
        }

        if (propagateError)
        {
            // A request listed here is kept from recycling while this one lives: InFences must name what it awaited.
            (_inFences ??= new List<DmaFence>()).Add(fence is Request r ? r.Get() : fence);
        }

        if (fence.IsSignaled)
        {
            Inherit(fence.Error, propagateError);
            return;
        }

        Interlocked.Increment(ref _pendingDependencies);
        DependencyCallback callback = _spareDependencies ?? new DependencyCallback();
        _spareDependencies = callback.NextUsed;
        callback.Arm(this, propagateError);
        callback.NextUsed = _usedDependencies;
        _usedDependencies = callback;
        if (!fence.AddCallback(callback))
        {
            callback.Invoke(fence);
            return;
        }

        if (timeout is { } bound && bound != Timeout.InfiniteTimeSpan)
        {
            callback.ArmTimeout(fence, bound);
        }
    }

    /// <summary>
    /// i915_request_await_execution (I915_EXEC_FENCE_SUBMIT): holds this request's submission until
    /// <paramref name="signal"/>, a request of the same GT, is submitted to the hardware — begins executing — instead
    /// of until it completes, so the two run at once on two engines, or take turns on one. The execution callback
    /// (__await_execution's execute_cb) is run by <paramref name="signal"/>'s engine when it makes it active
    /// (<see cref="MarkExecuting"/>, <see cref="NotifyExecute"/>); a signaler that ends without ever executing
    /// (cancelled by a reset or a wedge, completed on the CPU) releases its waiters as it signals. The release carries
    /// no error, whatever the signaler's fate: i915's execute callback (irq_execute_cb) only completes the waiter's
    /// submit fence, and a skipped or cancelled signaler still passes through __i915_request_submit, so its error stays
    /// its own; a waiter whose signaler was cancelled by a wedge meets the wedged engine's nop handler itself. A signaler
    /// of this request's own timeline is ordered by the timeline already and is not awaited (the kernel's
    /// fence->context check). Call before <see cref="Commit"/>. The caller holds a reference to
    /// <paramref name="signal"/>; this request takes its own (listed in <see cref="InFences"/>).
    /// </summary>
    public void AwaitExecution(Request signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (Volatile.Read(ref _onReady) is not null)
        {
            throw new InvalidOperationException("request already committed");
        }

        if (signal == this || signal.FenceContext == FenceContext)
        {
            return;
        }

        (_inFences ??= new List<DmaFence>()).Add(signal.Get());
        Interlocked.Increment(ref _pendingDependencies);
        signal.AddExecuteCallback(new ExecuteCallback(this));
    }

    /// <summary>
    /// Pushes <paramref name="node"/> on the execute callbacks, then, if this request has already been made active,
    /// runs them itself (__await_execution's "second bite of the cherry"). The compare-and-swap is a full barrier
    /// paired with the one the engine makes between <see cref="MarkExecuting"/> and <see cref="NotifyExecute"/>:
    /// either the engine finds the node, or this finds the flag set; both may, and the exchange in
    /// <see cref="RunExecuteCallbacks"/> gives each node to one of them.
    /// </summary>
    private void AddExecuteCallback(ExecuteCallback node)
    {
        ExecuteCallback? head = Volatile.Read(ref _executeCallbacks);
        while (true)
        {
            node.Next = head;
            ExecuteCallback? seen = Interlocked.CompareExchange(ref _executeCallbacks, node, head);
            if (seen == head)
            {
                break;
            }

            head = seen;
        }

        if (Volatile.Read(ref _executing) != 0)
        {
            RunExecuteCallbacks();
        }
    }

    /// <summary>
    /// Engine-owned, first half of __i915_request_submit's execute-callback notification: the request is about to be
    /// made active. The engine must make a full barrier after this and before <see cref="NotifyExecute"/> (it
    /// publishes the request as active with one), so a builder pushing a callback concurrently is not missed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkExecuting() => Volatile.Write(ref _executing, 1);

    /// <summary>
    /// Second half (__notify_execute_cb): runs the execute callbacks registered so far, once <see cref="Skip"/> is
    /// settled (the ban check made). One read when there are none, which is almost always.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void NotifyExecute()
    {
        Debug.Assert(Volatile.Read(ref _executing) != 0, $"{this}: execute callbacks notified before MarkExecuting");
        if (Volatile.Read(ref _executeCallbacks) is not null)
        {
            RunExecuteCallbacks();
        }
    }

    /// <summary>Whether execute callbacks are registered and not yet run (tests, diagnostics).</summary>
    public bool HasExecuteCallbacks => Volatile.Read(ref _executeCallbacks) is not null;

    /// <summary>
    /// Takes every execute callback registered and releases its waiter, without an error (irq_execute_cb completes the
    /// waiter's submit fence and nothing else). Inside a signalling section, as any other dependency release: the waiter
    /// may be submitted from here, or cancelled and signalled by a wedged engine's nop handler.
    /// </summary>
    private void RunExecuteCallbacks()
    {
        ExecuteCallback? node = Interlocked.Exchange(ref _executeCallbacks, null);
        if (node is not null)
        {
            ReleaseExecuteWaiters(node);
        }
    }

    /// <summary>
    /// Releases the waiters of a list taken off <see cref="_executeCallbacks"/>, every one even if a release throws
    /// (the first exception is rethrown after the last): a waiter left unreleased would never be submitted, and its
    /// fence never signal.
    /// </summary>
    private static void ReleaseExecuteWaiters(ExecuteCallback? node)
    {
        ExceptionDispatchInfo? failure = null;
        bool cookie = Lockdep.BeginSignalling();
        try
        {
            while (node is not null)
            {
                ExecuteCallback? next = node.Next;
                node.Next = null;
                try
                {
                    node.Waiter.DependencySignalled(0, propagateError: false);
                }
                catch (Exception e)
                {
                    failure ??= ExceptionDispatchInfo.Capture(e);
                }

                node = next;
            }
        }
        finally { Lockdep.EndSignalling(cookie); }
        failure?.Throw();
    }

    /// <summary>
    /// Ends construction: once every awaited fence has signalled, <paramref name="onReady"/> runs (on whichever
    /// thread signalled the last one, or on this one if none is pending) to submit the request.
    /// </summary>
    public void Commit(Action<Request> onReady)
    {
        Volatile.Write(ref _onReady, onReady);
        Release();
    }

    /// <summary>Marks the request submitted; false if it already was (a request is submitted once).</summary>
    public bool MarkSubmitted() => Interlocked.Exchange(ref _submitted, 1) == 0;

    private void DependencySignalled(int error, bool propagateError)
    {
        Inherit(error, propagateError);
        Release();
    }

    private void Inherit(int error, bool propagateError)
    {
        if (propagateError && error != 0)
        {
            Interlocked.CompareExchange(ref _submitError, error, 0);
        }
    }

    private void Release()
    {
        // The decrement is a full barrier: the submit error recorded by Inherit on a signalling thread is visible to
        // the thread that reaches zero, which applies it and submits.
        if (Interlocked.Decrement(ref _pendingDependencies) == 0)
        {
            // submit_notify(FENCE_COMPLETE): the submit fence's error becomes the request's (i915_request_set_error_once,
            // which keeps a fatal error already set), and a fatal one skips the payload (__i915_request_skip at
            // __i915_request_submit); the breadcrumb is still written, so the fence still signals.
            int error = Volatile.Read(ref _submitError);
            if (error != 0)
            {
                SetErrorOnce(error);
                if (Errno.IsFatal(Error))
                {
                    Skip = true;
                }
            }

            Volatile.Read(ref _onReady)!(this);
        }
    }

    /// <summary>
    /// i915_request_retire's timeline put: the breadcrumb has been written (or will never be: completed on the CPU) and
    /// the fence has signalled, so this request no longer needs the timeline's slot.
    /// </summary>
    /// <remarks>
    /// A request that signals without ever having been made active (cancelled while queued or held, completed on the
    /// CPU) releases its execute-callback waiters here, so none waits forever. The exchange is a full
    /// barrier before the list is read, as the engine's is (see <see cref="AddExecuteCallback"/>); a request that did
    /// execute pays one read.
    /// </remarks>
    protected override void OnSignaled()
    {
        if (Volatile.Read(ref _executing) == 0)
        {
            Interlocked.Exchange(ref _executing, 1);
            // As one of this fence's callbacks, not inline: a released waiter that meets a wedged engine's nop handler
            // signals at once and releases its own waiters, so inline releases would nest one level per link of a
            // submit-fence chain (i915 releases them from irq_work, irq_execute_cb, never on the signaller's stack).
            ExecuteCallback? waiters = Interlocked.Exchange(ref _executeCallbacks, null);
            if (waiters is not null)
            {
                RunAsCallback(new ExecuteRelease(waiters));
            }
        }

        Timeline.Put();
    }

    /// <summary>A signalled request's execute-callback waiters, released as one of its fence callbacks.</summary>
    private sealed class ExecuteRelease(ExecuteCallback waiters) : FenceCallback
    {
        public override void Invoke(DmaFence fence) => ReleaseExecuteWaiters(waiters);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Context} {Engine.Name()}:{Seqno}";

    /// <summary>One waiter on this request's execution (the kernel's struct execute_cb).</summary>
    private sealed class ExecuteCallback(Request waiter)
    {
        /// <summary>The request whose submission the callback releases.</summary>
        public readonly Request Waiter = waiter;

        /// <summary>Next node on the signaler's list.</summary>
        public ExecuteCallback? Next;
    }

    /// <summary>
    /// One awaited fence: runs once, on the fence's signal or, for a bounded wait, on the timeout, whichever comes
    /// first (the exchange on <see cref="_fired"/> decides).
    /// </summary>
    private sealed class DependencyCallback : FenceCallback
    {
        private Request? _request;
        private bool _propagateError;
        private int _fired;
        private Timer? _timer;

        /// <summary>Next node on the owning request's used or spare list (owned by that request).</summary>
        public DependencyCallback? NextUsed;

        /// <summary>Whether a timer was ever armed on this node (such a node is never reused).</summary>
        public bool HadTimer => _timer is not null;

        /// <summary>Prepares the node for one awaited fence of <paramref name="request"/>.</summary>
        public void Arm(Request request, bool propagateError)
        {
            Debug.Assert(_timer is null && Owner is null, "a dependency node reused while still armed");
            _request = request;
            _propagateError = propagateError;
            Volatile.Write(ref _fired, 0);
        }

        public override void Invoke(DmaFence fence)
        {
            if (Interlocked.Exchange(ref _fired, 1) != 0)
            {
                return;
            }

            _timer?.Dispose();
            _request!.DependencySignalled(fence.Error, _propagateError);
        }

        /// <summary>
        /// timer_i915_sw_fence_wake: a foreign fence not signalled within <paramref name="timeout"/> is no longer
        /// waited for; the request records -ETIMEDOUT and goes on.
        /// </summary>
        public void ArmTimeout(DmaFence fence, TimeSpan timeout)
        {
            // Held by this callback, which the fence holds until it signals or the timer removes it.
            _timer = new Timer(_ =>
            {
                if (Interlocked.Exchange(ref _fired, 1) != 0)
                {
                    return;
                }

                fence.RemoveCallback(this);
                _timer?.Dispose();
                _request!.DependencySignalled(-Errno.ETIMEDOUT, propagateError: true);
            }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(timeout, Timeout.InfiniteTimeSpan);
        }
    }
}
