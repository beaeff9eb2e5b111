using Driver.Core.Fences;

namespace Driver.Drm.Syncobj;

/// <summary>
/// A DRM sync object (struct drm_syncobj): a container for at most one fence, replaced as work is submitted, shared by
/// every handle and syncobj fd that names it (within and across files and processes). As a timeline the fence is the
/// head of a <see cref="DmaFenceChain"/>, one node per point (drm_syncobj_add_point). Waiters that asked for
/// WAIT_FOR_SUBMIT or WAIT_AVAILABLE are told whenever the fence changes (drm_syncobj's cb_list).
/// </summary>
public sealed class DrmSyncobj
{
    // Orders the fence's replacement against the registration of change waiters (drm_syncobj's lock): a waiter
    // added under it either sees the new fence or is told of it.
    private readonly object _lock = new();
    private readonly List<Action<DrmSyncobj, DmaFence?>> _changed = [];
    private DmaFence? _fence;

    /// <summary>drm_syncobj_fence_get: the current fence, or null while none was ever attached (or after a reset).</summary>
    public DmaFence? Fence
    {
        get
        {
            lock (_lock)
            {
                return _fence;
            }
        }
    }

    /// <summary>
    /// drm_syncobj_replace_fence: attaches <paramref name="fence"/> (null detaches, as SYNCOBJ_RESET does) and tells
    /// each change waiter, outside the lock, which fence this change installed (syncobj_wait_syncobj_func reads it
    /// under the lock): a later change cannot hide it from a waiter that has yet to look.
    /// </summary>
    public void ReplaceFence(DmaFence? fence)
    {
        Action<DrmSyncobj, DmaFence?>[] waiters;
        lock (_lock)
        {
            if (ReferenceEquals(_fence, fence))
            {
                return;
            }

            _fence = fence;
            waiters = [.. _changed];
        }

        foreach (Action<DrmSyncobj, DmaFence?> w in waiters)
        {
            w(this, fence);
        }
    }

    /// <summary>
    /// drm_syncobj_add_point: <paramref name="fence"/> becomes timeline point <paramref name="point"/>, a chain node
    /// after the current fence (an unordered point, at or below the head's, starts a new context: see
    /// <see cref="DmaFenceChain"/>); change waiters are told, and the signalled links behind the new head are
    /// garbage collected (the kernel's dma_fence_chain_for_each over the previous fence).
    /// </summary>
    public DmaFenceChain AddPoint(DmaFence fence, ulong point)
    {
        ArgumentNullException.ThrowIfNull(fence);
        Action<DrmSyncobj, DmaFence?>[] waiters;
        DmaFenceChain chain;
        DmaFence? prev;
        lock (_lock)
        {
            prev = _fence;
            chain = new DmaFenceChain(prev, fence, point);
            _fence = chain;
            waiters = [.. _changed];
        }

        foreach (Action<DrmSyncobj, DmaFence?> w in waiters)
        {
            w(this, chain);
        }

        DmaFence? f = prev;
        while (f is not null)
        {
            f = DmaFenceChain.Walk(f);
        }

        return chain;
    }

    /// <summary>
    /// drm_syncobj_find_fence without WAIT_FOR_SUBMIT: the fence for <paramref name="point"/> — the whole fence at
    /// point 0, else the chain node covering it (dma_fence_chain_find_seqno), a signalled stub when that point is
    /// signalled and collected already (dma_fence_get_stub). False (-EINVAL) when there is no fence, or the timeline
    /// has not reached the point.
    /// </summary>
    public bool TryFindFence(ulong point, out DmaFence? fence) => TryFindFenceIn(Fence, point, out fence);

    /// <summary>
    /// <see cref="TryFindFence"/> in <paramref name="current"/>, a fence this syncobj held (the
    /// one a change installed, as a change waiter is told it).
    /// </summary>
    public static bool TryFindFenceIn(DmaFence? current, ulong point, out DmaFence? fence)
    {
        fence = current;
        if (fence is null || DmaFenceChain.FindSeqno(ref fence, point) != 0)
        {
            fence = null;
            return false;
        }

        fence ??= Stub();
        return true;
    }

    /// <summary>dma_fence_get_stub: a fence that is signalled already.</summary>
    public static DmaFence Stub()
    {
        var stub = new DmaFence();
        stub.Signal();
        return stub;
    }

    /// <summary>drm_syncobj_assign_null_handle: a fence that is signalled already (dma_fence_get_stub).</summary>
    public void AssignSignalled()
    {
        ReplaceFence(Stub());
    }

    /// <summary>
    /// drm_syncobj_fence_add_wait: <paramref name="onChange"/> runs on each later fence change until removed, given
    /// the fence that change installed; returns the fence current at registration.
    /// </summary>
    public DmaFence? AddChangeWaiter(Action<DrmSyncobj, DmaFence?> onChange)
    {
        lock (_lock)
        {
            _changed.Add(onChange);
            return _fence;
        }
    }

    /// <summary>Change waiters registered now (tests: a WAIT_FOR_SUBMIT waiter is asleep on this syncobj).</summary>
    public int ChangeWaiterCount
    {
        get
        {
            lock (_lock)
            {
                return _changed.Count;
            }
        }
    }

    /// <summary>drm_syncobj_remove_wait.</summary>
    public void RemoveChangeWaiter(Action<DrmSyncobj, DmaFence?> onChange)
    {
        lock (_lock)
        {
            _changed.Remove(onChange);
        }
    }
}
