using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Drm.SwSync;

/// <summary>
/// One sw_sync timeline (drivers/dma-buf/sw_sync.c struct sync_timeline): a fence context and a 32-bit value that
/// only userspace advances; its points (sync_pt) are fences at a seqno that signal once the value reaches them.
/// </summary>
public sealed class SwSyncTimeline
{
    // Guards _value, _pending, _reached and _drainer (obj->lock). Never held while a fence signals, so a callback
    // may create points on this timeline or advance it; the order the kernel gets from signalling under obj->lock
    // comes instead from _reached, filled in seqno order under the lock and emptied by one drainer at a time.
    private readonly Lock _lock = new();
    private readonly SortedList<uint, DmaFence> _pending = new(SeqnoOrder.Instance);

    // Points reached (and, on release, given -ENOENT) but not yet signalled, in the order they must signal.
    private readonly Queue<DmaFence> _reached = new();
    private uint _value;

    // The thread signalling _reached, or null: whoever queues points while another drains leaves them to it, so two
    // concurrent increments cannot signal a later point before an earlier one (sync_timeline_signal's order).
    private Thread? _drainer;

    /// <summary>dma_fence_context_alloc(1): the context of every point of this timeline.</summary>
    public ulong Context { get; } = DmaFence.ContextAlloc();

    /// <summary>The timeline's value (obj->value).</summary>
    public uint Value { get { lock (_lock) { return _value; } } }

    /// <summary>Points not signalled yet.</summary>
    public int Pending { get { lock (_lock) { return _pending.Count; } } }

    /// <summary>
    /// sync_pt_create: the point at <paramref name="seqno"/>. One the value has reached is signalled at once
    /// (timeline_fence_signaled), after any reached point still being signalled; a pending point at the same seqno is
    /// returned again rather than a second one.
    /// </summary>
    public DmaFence CreatePoint(uint seqno)
    {
        DmaFence reached;
        lock (_lock)
        {
            if (_pending.TryGetValue(seqno, out DmaFence? other))
            {
                return other;
            }

            var pt = new DmaFence(Context, seqno);
            if (!IsLater(seqno, _value))
            {
                if (_drainer is null && _reached.Count == 0)
                {
                    pt.Signal(); // a new fence: no callbacks yet, so nothing runs under the lock
                    return pt;
                }

                // Earlier points reached are still being signalled (the drainer may hold the last one, dequeued,
                // about to signal it): this one signals after them, in order.
                _reached.Enqueue(pt);
                reached = pt;
            }
            else
            {
                _pending.Add(seqno, pt);
                return pt;
            }
        }

        Drain(reached);
        return reached;
    }

    /// <summary>
    /// sync_timeline_signal: advances the value by <paramref name="increment"/> and signals, in order, every point it
    /// reaches. Returns how many it reached. Points of this timeline signal in seqno order whichever thread reached
    /// them; on return the points it reached have signalled, unless this thread is itself signalling this timeline (a
    /// fence callback advancing it), in which case they signal as soon as the callback returns.
    /// </summary>
    public int Advance(uint increment)
    {
        DmaFence? last = null;
        int count = 0;
        lock (_lock)
        {
            _value += increment;
            while (_pending.Count > 0 && !IsLater(_pending.Keys[0], _value))
            {
                last = _pending.Values[0];
                _reached.Enqueue(last);
                _pending.RemoveAt(0);
                count++;
            }
        }

        Drain(last);
        return count;
    }

    /// <summary>
    /// sw_sync_debugfs_release: the timeline's file closed; every pending point signals with -ENOENT. Returns how many.
    /// </summary>
    public int Release()
    {
        DmaFence? last = null;
        int count;
        lock (_lock)
        {
            count = _pending.Count;
            foreach (DmaFence f in _pending.Values)
            {
                // Error before signal; off the pending list, so nothing else signals it meanwhile.
                f.SetError(-Errno.ENOENT);
                _reached.Enqueue(f);
                last = f;
            }

            _pending.Clear();
        }

        Drain(last);
        return count;
    }

    /// <summary>
    /// Signals the points in <see cref="_reached"/> in queue order, unless another thread is doing so; then waits for
    /// <paramref name="last"/>, the last point this caller queued, so that it has signalled on return, as the kernel's
    /// caller finds it. The drainer re-checks the queue under the lock before it gives up the role, so no queued point
    /// is left behind. Only the ioctls advance a timeline (never a fence callback of another), so the wait cannot close
    /// a cycle between two drainers.
    /// </summary>
    private void Drain(DmaFence? last)
    {
        bool drain;
        lock (_lock)
        {
            drain = _drainer is null;
            if (drain)
            {
                _drainer = Thread.CurrentThread;
            }
            else if (_drainer == Thread.CurrentThread)
            {
                // A callback run by this very drain: its points signal once it returns; waiting would wait on itself.
                last = null;
            }
        }

        if (!drain)
        {
            last?.Wait(Timeout.InfiniteTimeSpan);
            return;
        }

        while (true)
        {
            DmaFence? next;
            lock (_lock)
            {
                if (!_reached.TryDequeue(out next))
                {
                    _drainer = null;
                    return;
                }
            }

            next.Signal();
        }
    }

    /// <summary>__dma_fence_is_later for 32-bit seqnos: <paramref name="a"/> after <paramref name="b"/>, wrapping.</summary>
    private static bool IsLater(uint a, uint b) => (int)(a - b) > 0;

    /// <summary>The pending points by seqno; they are all later than the value, so plain order is wrap order
    /// relative to it only while they lie within 2^31 of it, as the kernel's rbtree assumes too.</summary>
    private sealed class SeqnoOrder : IComparer<uint>
    {
        public static readonly SeqnoOrder Instance = new();

        public int Compare(uint x, uint y) => x == y ? 0 : IsLater(x, y) ? 1 : -1;
    }
}
