using Driver.Core.Fences;

namespace Driver.Drm.Syncobj;

/// <summary>
/// A DRM sync object (struct drm_syncobj): a container for at most one fence, replaced as work is submitted, shared by
/// every handle and syncobj fd that names it (within and across files and processes). Waiters that asked for
/// WAIT_FOR_SUBMIT are told whenever the fence changes (drm_syncobj's cb_list).
/// </summary>
public sealed class DrmSyncobj
{
    // Orders the fence's replacement against the registration of change waiters (drm_syncobj's lock): a waiter
    // added under it either sees the new fence or is told of it.
    private readonly object _lock = new();
    private readonly List<Action<DrmSyncobj>> _changed = [];
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
    /// each change waiter, outside the lock so that a waiter may read the new fence.
    /// </summary>
    public void ReplaceFence(DmaFence? fence)
    {
        Action<DrmSyncobj>[] waiters;
        lock (_lock)
        {
            if (ReferenceEquals(_fence, fence))
            {
                return;
            }

            _fence = fence;
            waiters = [.. _changed];
        }

        foreach (Action<DrmSyncobj> w in waiters)
        {
            w(this);
        }
    }

    /// <summary>drm_syncobj_assign_null_handle: a fence that is signalled already (dma_fence_get_stub).</summary>
    public void AssignSignalled()
    {
        var stub = new DmaFence();
        stub.Signal();
        ReplaceFence(stub);
    }

    /// <summary>
    /// drm_syncobj_fence_add_wait: <paramref name="onChange"/> runs on each later fence change until removed;
    /// returns the fence current at registration.
    /// </summary>
    public DmaFence? AddChangeWaiter(Action<DrmSyncobj> onChange)
    {
        lock (_lock)
        {
            _changed.Add(onChange);
            return _fence;
        }
    }

    /// <summary>drm_syncobj_remove_wait.</summary>
    public void RemoveChangeWaiter(Action<DrmSyncobj> onChange)
    {
        lock (_lock)
        {
            _changed.Remove(onChange);
        }
    }
}
