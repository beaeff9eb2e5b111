using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Drm.SwSync;

/// <summary>
/// One sw_sync timeline (drivers/dma-buf/sw_sync.c struct sync_timeline): a fence context and a 32-bit value that
/// only userspace advances; its points (sync_pt) are fences at a seqno that signal once the value reaches them.
/// </summary>
public sealed class SwSyncTimeline
{
    // Guards _value and _pending (obj->lock). Never held while a fence signals: the signals run after it is
    // released, in seqno order, so a waiter's callback may create points on this timeline.
    private readonly Lock _lock = new();
    private readonly SortedList<uint, DmaFence> _pending = new(SeqnoOrder.Instance);
    private uint _value;

    /// <summary>dma_fence_context_alloc(1): the context of every point of this timeline.</summary>
    public ulong Context { get; } = DmaFence.ContextAlloc();

    /// <summary>The timeline's value (obj->value).</summary>
    public uint Value { get { lock (_lock) { return _value; } } }

    /// <summary>Points not signalled yet.</summary>
    public int Pending { get { lock (_lock) { return _pending.Count; } } }

    /// <summary>
    /// sync_pt_create: the point at <paramref name="seqno"/>. One the value has reached is signalled at once
    /// (timeline_fence_signaled); a pending point at the same seqno is returned again rather than a second one.
    /// </summary>
    public DmaFence CreatePoint(uint seqno)
    {
        lock (_lock)
        {
            if (_pending.TryGetValue(seqno, out DmaFence? other))
            {
                return other;
            }

            var pt = new DmaFence(Context, seqno);
            if (!IsLater(seqno, _value))
            {
                pt.Signal(); // a new fence: no callbacks yet, so nothing runs under the lock
                return pt;
            }

            _pending.Add(seqno, pt);
            return pt;
        }
    }

    /// <summary>
    /// sync_timeline_signal: advances the value by <paramref name="increment"/> and signals, in order, every point it
    /// reaches. Returns how many signalled.
    /// </summary>
    public int Advance(uint increment)
    {
        List<DmaFence> done = [];
        lock (_lock)
        {
            _value += increment;
            while (_pending.Count > 0 && !IsLater(_pending.Keys[0], _value))
            {
                done.Add(_pending.Values[0]);
                _pending.RemoveAt(0);
            }
        }

        foreach (DmaFence f in done)
        {
            f.Signal();
        }

        return done.Count;
    }

    /// <summary>
    /// sw_sync_debugfs_release: the timeline's file closed; every pending point signals with -ENOENT. Returns how many.
    /// </summary>
    public int Release()
    {
        List<DmaFence> left;
        lock (_lock)
        {
            left = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (DmaFence f in left)
        {
            f.SetError(-Errno.ENOENT); // error before signal
            f.Signal();
        }

        return left.Count;
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
