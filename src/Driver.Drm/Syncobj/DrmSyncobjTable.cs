namespace Driver.Drm.Syncobj;

/// <summary>
/// A file's syncobj handles (drm_file.syncobj_idr): handle → syncobj, handles from 1 up, the lowest free one first
/// (idr_alloc from 1). Several handles may name one syncobj (FD_TO_HANDLE of an exported fd).
/// </summary>
public sealed class DrmSyncobjTable
{
    // Guards the handle map; a leaf lock, held only for lookups and updates (drm_file.syncobj_table_lock).
    private readonly object _lock = new();
    private readonly Dictionary<uint, DrmSyncobj> _byHandle = new();
    private readonly SortedSet<uint> _freed = [];
    private uint _next = 1;

    /// <summary>Handles open now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byHandle.Count;
            }
        }
    }

    /// <summary>drm_syncobj_get_handle: a new handle for <paramref name="syncobj"/>.</summary>
    public uint Add(DrmSyncobj syncobj)
    {
        ArgumentNullException.ThrowIfNull(syncobj);
        lock (_lock)
        {
            uint handle;
            if (_freed.Count > 0)
            {
                handle = _freed.Min;
                _freed.Remove(handle);
            }
            else
            {
                handle = _next++;
            }

            _byHandle.Add(handle, syncobj);
            return handle;
        }
    }

    /// <summary>drm_syncobj_find: the syncobj behind <paramref name="handle"/>, or null.</summary>
    public DrmSyncobj? Find(uint handle)
    {
        lock (_lock)
        {
            return _byHandle.TryGetValue(handle, out DrmSyncobj? s) ? s : null;
        }
    }

    /// <summary>drm_syncobj_destroy: drops <paramref name="handle"/>; false when it names nothing.</summary>
    public bool Remove(uint handle)
    {
        lock (_lock)
        {
            if (!_byHandle.Remove(handle))
            {
                return false;
            }

            // idr_alloc hands out the lowest free id: a freed handle below the high-water mark is reused first.
            if (handle == _next - 1)
            {
                _next--;
                while (_next > 1 && _freed.Remove(_next - 1))
                {
                    _next--;
                }
            }
            else
            {
                _freed.Add(handle);
            }

            return true;
        }
    }

    /// <summary>drm_syncobj_release: the file closed; every handle goes.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _byHandle.Clear();
            _freed.Clear();
            _next = 1;
        }
    }
}
