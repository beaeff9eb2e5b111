namespace Driver.Core.Sync;

/// <summary>
/// Hands out small dense ids for <see cref="ReaderRegistry"/> instances so every thread's
/// <see cref="ReaderSlotTable"/> stays short. Ids of collected owners are recycled (lowest first);
/// stale table entries are harmless because the fast path checks <see cref="ReaderSlot.Registry"/>.
/// </summary>
internal static class ReaderRegistryIds
{
    private static readonly Lock _lock = new();
    private static readonly SortedSet<int> _free = [];
    private static int _next;

    /// <summary>Returns the lowest free id.</summary>
    internal static int Allocate()
    {
        lock (_lock)
        {
            if (_free.Count > 0)
            {
                int id = _free.Min;
                _free.Remove(id);
                return id;
            }

            return _next++;
        }
    }

    /// <summary>Returns <paramref name="id"/> to the pool; called from the owner's finalizer.</summary>
    internal static void Release(int id)
    {
        lock (_lock)
        {
            _free.Add(id);
        }
    }
}
