namespace Driver.Core.Sync;

/// <summary>
/// Hands out small dense ids for <see cref="ReaderRegistry"/> instances so every thread's
/// <see cref="ReaderSlotTable"/> stays short. Ids of collected owners are recycled (lowest first);
/// stale table entries are harmless because the fast path checks <see cref="ReaderSlot.Registry"/>.
/// </summary>
internal static class ReaderRegistryIds
{
    private static readonly Lock s_lock = new();
    private static readonly SortedSet<int> s_free = [];
    private static int s_next;

    /// <summary>Returns the lowest free id.</summary>
    internal static int Allocate()
    {
        lock (s_lock)
        {
            if (s_free.Count > 0)
            {
                int id = s_free.Min;
                s_free.Remove(id);
                return id;
            }

            return s_next++;
        }
    }

    /// <summary>Returns <paramref name="id"/> to the pool; called from the owner's finalizer.</summary>
    internal static void Release(int id)
    {
        lock (s_lock)
        {
            s_free.Add(id);
        }
    }
}
