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
/// </remarks>
public sealed class RequestPool
{
    /// <summary>Default bound: a few rings' worth of requests in flight on every engine.</summary>
    public const int DefaultCapacity = 4096;

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

    /// <summary>Freed requests waiting for reuse now.</summary>
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
        lock (_lock)
        {
            if (_count > 0)
            {
                rq = _free[--_count];
                _free[_count] = null;
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
        lock (_lock)
        {
            if (_count < _free.Length)
            {
                _free[_count++] = rq;
            }
        }
    }
}
