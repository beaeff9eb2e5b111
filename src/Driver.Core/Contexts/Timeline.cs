using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Requests;

namespace Driver.Core.Contexts;

/// <summary>
/// A context's timeline on one engine: seqnos increase by one per request, requests complete in seqno order, and
/// the engine writes each finished request's seqno into the timeline's breadcrumb (its status-page dword).
/// Completion is read from the breadcrumb, never from the request: that is what the interrupt path trusts.
/// </summary>
/// <remarks>
/// Lifetime of the breadcrumb slot (intel_timeline_put, whose HWSP cacheline outlives the timeline until its last
/// request retired): <see cref="_refs"/> counts the context's reference, dropped by <see cref="Close"/>, plus one per
/// request not yet signalled (<see cref="TryGet"/> at creation, <see cref="Put"/> at the signal). When it reaches
/// zero the slot goes back to the allocator: no request of this timeline can write it any more, since the engine
/// writes a breadcrumb before its request signals, so a new timeline given the slot never sees an old seqno land on
/// its own.
/// </remarks>
public sealed class Timeline
{
    private readonly StatusSlot _hwsp;
    private readonly StatusPageAllocator _statusPages;

    /// <summary>The context's reference plus one per unsignalled request; the slot is freed at zero.</summary>
    private int _refs = 1;

    /// <summary>Whether <see cref="Close"/> dropped the context's reference (exactly once).</summary>
    private int _closed;

    /// <summary>Creates a timeline with a breadcrumb slot from <paramref name="statusPages"/>.</summary>
    public Timeline(GpuContext context, EngineId engine, StatusPageAllocator statusPages)
    {
        Context = context;
        Engine = engine;
        _statusPages = statusPages;
        _hwsp = statusPages.Allocate();
        FenceContext = DmaFence.ContextAlloc();
    }

    /// <summary>Owning context.</summary>
    public GpuContext Context { get; }

    /// <summary>Engine this timeline runs on.</summary>
    public EngineId Engine { get; }

    /// <summary>Globally unique fence context id.</summary>
    public ulong FenceContext { get; }

    /// <summary>
    /// Serialises request construction on this timeline (seqno allocation and the implicit ordering link), like
    /// <c>intel_timeline.mutex</c>; held only while a request is built and handed to submission.
    /// </summary>
    public DriverMutex Mutex { get; } = new("timeline->mutex");

    /// <summary>Last seqno allocated; guarded by <see cref="Mutex"/>.</summary>
    public uint Seqno { get; private set; }

    /// <summary>
    /// Last request created on this timeline; written under <see cref="Mutex"/>, and holding a counted reference on
    /// the request (the setter takes one on the new request and puts the old one's), so the builder of the next
    /// request, under the mutex, always finds its predecessor intact. A thread that reads it without the mutex holds
    /// no reference: the request may be recycled under it (see <see cref="Request"/>'s remarks); use
    /// <see cref="GetLast"/> or <see cref="IsLastPending"/> there.
    /// </summary>
    public Request? Last
    {
        get => Volatile.Read(ref _last);
        set
        {
            value?.Get();
            Request? old = _last;
            Volatile.Write(ref _last, value);
            old?.Put();
        }
    }
    private Request? _last;

    /// <summary>
    /// dma_fence_get_rcu_safe on <see cref="Last"/>: a counted reference on the timeline's last request (the caller
    /// puts it), or null. Takes a reference, then re-checks that <see cref="Last"/> still points at it: a request
    /// recycled between the load and the reference is another request now, and the load is retried.
    /// </summary>
    public Request? GetLast()
    {
        while (true)
        {
            Request? rq = Volatile.Read(ref _last);
            if (rq is null)
            {
                return null;
            }

            if (rq.TryGet())
            {
                if (Volatile.Read(ref _last) == rq)
                {
                    return rq;
                }

                rq.Put();
            }
        }
    }

    /// <summary>Whether the timeline's last request is still pending (read safely, see <see cref="GetLast"/>).</summary>
    public bool IsLastPending
    {
        get
        {
            Request? rq = GetLast();
            if (rq is null)
            {
                return false;
            }

            bool pending = !rq.IsSignaled;
            rq.Put();
            return pending;
        }
    }

    /// <summary>
    /// Engine-owned: the oldest of this timeline's requests waiting in its engine's queue (the head of the list
    /// linked by <see cref="Request.SchedTimelineNext"/>); the engine runs a timeline's requests in this order.
    /// </summary>
    public Request? SchedFirst { get; set; }

    /// <summary>Engine-owned: the newest of this timeline's requests waiting in its engine's queue.</summary>
    public Request? SchedLast { get; set; }

    /// <summary>Engine-owned: how many of this timeline's requests wait in its engine's queue.</summary>
    public int SchedQueued { get; set; }

    /// <summary>
    /// Engine-owned: the engine that keeps this timeline's requests on its hold list (execlists_hold: a request whose
    /// error capture is still copying its objects, and everything of its timeline behind it), or null. The engine
    /// compares it with itself, so another engine reading it racily sees only "not mine".
    /// </summary>
    public object? HeldBy { get; set; }

    /// <summary>GGTT address of the breadcrumb (for error states).</summary>
    public uint BreadcrumbAddress => _hwsp.GgttAddress;

    /// <summary>Allocates the next seqno; caller holds <see cref="Mutex"/>.</summary>
    public uint NextSeqno() => ++Seqno;

    /// <summary>
    /// Whether the breadcrumb slot went back to the allocator: the timeline was closed and every request of it has
    /// signalled. No request can be built on it any more (<see cref="TryGet"/> fails).
    /// </summary>
    /// <remarks>
    /// Set only after the slot is back in the allocator (not when the count reaches zero), so whoever sees it true can
    /// count on the slot being allocatable.
    /// </remarks>
    public bool IsReleased => Volatile.Read(ref _released) != 0;
    private int _released;

    /// <summary>
    /// Takes a reference for a new request, unless the slot was already freed (kref_get_unless_zero): a request is
    /// built only on a timeline whose slot it can keep alive until it signals. Paired with <see cref="Put"/>.
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
    /// Drops a reference taken by <see cref="TryGet"/> (a request signalled); the last one frees the slot. Any thread,
    /// fence signalling included: the allocator's free path takes only a leaf spin lock.
    /// </summary>
    public void Put()
    {
        int refs = Interlocked.Decrement(ref _refs);
        Debug.Assert(refs >= 0, $"{this}: timeline reference dropped more often than taken");
        if (refs == 0)
        {
            _statusPages.Free(_hwsp);
            Volatile.Write(ref _released, 1);
        }
    }

    /// <summary>
    /// The context lets go of the timeline (closed or destroyed, or its client closed): drops the context's reference
    /// once, however often it is called. Requests still in flight keep the slot until they signal.
    /// </summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Put();
        }
    }

    /// <summary>The seqno last written to the breadcrumb.</summary>
    public uint Breadcrumb
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _hwsp.Page.ReadDword(_hwsp.Index);
    }

    /// <summary>Whether <paramref name="seqno"/> has passed (wrap-safe comparison, as i915_seqno_passed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasPassed(uint seqno) => (int)(Breadcrumb - seqno) >= 0;

    /// <summary>
    /// Writes the breadcrumb. Release semantics: every store the request's batch made is visible before a reader
    /// that sees this seqno (the reader is <see cref="Breadcrumb"/>, read by the breadcrumbs interrupt path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBreadcrumb(uint seqno)
    {
        // The writing request holds a reference until it signals, which comes after this write (GEM_BUG_ON: a write
        // into a freed slot would land in whichever timeline got it next).
        Debug.Assert(Volatile.Read(ref _refs) > 0, $"{this}: breadcrumb {seqno} written after the slot was freed");
        _hwsp.Page.WriteDword(_hwsp.Index, seqno);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Context} {Engine.Name()}";
}
