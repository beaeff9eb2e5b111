using Driver.Core.Contexts;

namespace Driver.Core.Requests;

/// <summary>
/// The request slab (i915's <c>global.slab_requests</c>, a SLAB_TYPESAFE_BY_RCU cache): freed requests wait here to
/// be recycled by the next <see cref="Rent"/>, so a steady stream of submissions allocates nothing. The safety rule
/// (who may keep looking at a recycled request, and how) is <see cref="Request"/>'s; see its remarks.
/// </summary>
/// <remarks>
/// A bounded LIFO stack under a leaf lock: <see cref="Rent"/> runs on submitting threads under a timeline mutex,
/// <see cref="Return"/> wherever a request's last reference is put (the engine thread at retire, or the holder's
/// thread); nothing else is taken while it is held, and it is held for a few stores. A lock rather than a lock-free
/// stack: popping a recycled object from a Treiber stack suffers ABA (the node popped may be pushed back with another
/// successor between the read and the swap), which a garbage collector does not prevent once objects are reused.
/// Past <see cref="Capacity"/> a freed request is left to the garbage collector (a burst does not pin memory).
/// <para>In front of the shared stack each thread keeps a magazine (SLUB's per-CPU freelist, the magazines of Bonwick's
/// slab allocator): up to <see cref="MagazineSize"/> requests it freed, which its own next rents take first, with no
/// lock. Only a full magazine (half of it moves to the stack) or an empty one (refilled with up to half a magazine
/// from it) takes the lock, so the steady cross-thread stream — the engine thread frees, the submitter rents — pays
/// one lock round trip per <see cref="MagazineSize"/>/2 requests instead of one per request on each side (the lock's
/// cache line moving between the two threads was the pool's cost in the profile, docs/benchmarks.md). A magazine
/// serves one pool at a time: a thread that turns to another pool hands its requests back to the first one's stack.
/// Requests left in the magazine of a thread that ends are left to the garbage collector.</para>
/// </remarks>
public sealed class RequestPool
{
    /// <summary>Default bound: a few rings' worth of requests in flight on every engine.</summary>
    public const int DefaultCapacity = 4096;

    /// <summary>Requests a thread keeps for itself in front of the shared stack (see the remarks).</summary>
    public const int MagazineSize = 32;

#pragma warning disable IDE1006 // thread-static fields are t_camelCase, which editorconfig cannot tell apart
    /// <summary>This thread's magazine; allocated once per thread, at its first free.</summary>
    [ThreadStatic] private static Magazine? t_magazine;
#pragma warning restore IDE1006

    /// <summary>Leaf lock over <see cref="_free"/> and <see cref="_count"/>; orders a return against a rent.</summary>
    private readonly Lock _lock = new();
    private readonly Request?[] _free;
    private int _count;
    private long _allocated;
    private long _recycled;

    /// <summary>Creates an empty pool holding at most <paramref name="capacity"/> freed requests.</summary>
    public RequestPool(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _free = new Request?[capacity];
    }

    /// <summary>Most freed requests kept for reuse.</summary>
    public int Capacity => _free.Length;

    /// <summary>Freed requests waiting for reuse now on the shared stack (not counting threads' magazines).</summary>
    public int Available
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Requests built new because the pool was empty (statistics).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Requests handed out recycled (statistics).</summary>
    public long Recycled => Interlocked.Read(ref _recycled);

    /// <summary>
    /// A pending request on <paramref name="timeline"/>, recycled when one is free, with the creator's and the engine's
    /// references (see <see cref="Request"/>). The caller holds the timeline mutex and passes the seqno it allocated.
    /// EIO when the timeline was already released, as for a request built new.
    /// </summary>
    public Request Rent(Timeline timeline, uint seqno, uint batchAddress, RequestFlags flags)
    {
        Request? rq = null;
        Magazine? m = t_magazine;
        if (m is not null && m.Pool == this && (m.Count > 0 || Refill(m)))
        {
            rq = m.Items[--m.Count];
            m.Items[m.Count] = null;
        }
        else
        {
            lock (_lock)
            {
                if (_count > 0)
                {
                    rq = _free[--_count];
                    _free[_count] = null;
                }
            }
        }

        if (rq is null)
        {
            Interlocked.Increment(ref _allocated);
            return new Request(timeline, seqno, batchAddress, flags, this);
        }

        if (!timeline.TryGet())
        {
            Return(rq);
            throw Request.Released(timeline);
        }

        Interlocked.Increment(ref _recycled);
        rq.Reuse(timeline, seqno, batchAddress, flags);
        return rq;
    }

    /// <summary>Takes back a freed request (its last reference was put); dropped when the pool is full.</summary>
    internal void Return(Request rq)
    {
        Magazine m = t_magazine ??= new Magazine();
        if (m.Pool != this)
        {
            m.Pool?.Take(m, m.Count);
            m.Pool = this;
        }
        else if (m.Count == MagazineSize)
        {
            Take(m, MagazineSize / 2);
        }

        m.Items[m.Count++] = rq;
    }

    /// <summary>Moves up to half a magazine from the shared stack into <paramref name="m"/> (empty); false when none.</summary>
    private bool Refill(Magazine m)
    {
        lock (_lock)
        {
            int n = Math.Min(_count, MagazineSize / 2);
            for (int i = 0; i < n; i++)
            {
                m.Items[m.Count++] = _free[--_count];
                _free[_count] = null;
            }

            return n > 0;
        }
    }

    /// <summary>
    /// Moves the <paramref name="n"/> most recently freed requests of <paramref name="m"/> (this pool's) onto the shared
    /// stack; past <see cref="Capacity"/> they are dropped for the garbage collector.
    /// </summary>
    private void Take(Magazine m, int n)
    {
        lock (_lock)
        {
            for (int i = 0; i < n; i++)
            {
                Request rq = m.Items[--m.Count]!;
                m.Items[m.Count] = null;
                if (_count < _free.Length)
                {
                    _free[_count++] = rq;
                }
            }
        }
    }

    /// <summary>A thread's requests freed to <see cref="Pool"/>, taken first by its own rents (LIFO).</summary>
    private sealed class Magazine
    {
        /// <summary>The pool these requests belong to; null until the first free.</summary>
        public RequestPool? Pool;

        /// <summary>Freed requests, <see cref="Count"/> of them.</summary>
        public readonly Request?[] Items = new Request?[MagazineSize];

        /// <summary>How many of <see cref="Items"/> are in use.</summary>
        public int Count;
    }
}
