using Driver.Core.Fences;

namespace Driver.Core.Resv;

/// <summary>
/// The process-wide registry of blocked waits in the buffer-sharing paths (one process = one simulated kernel, where
/// devices share buffers): a fence wait that may hold reservation locks, a wait for a reservation lock. Only the
/// slow paths register (a wait that is about to block), so the registry costs nothing on an uncontended path.
/// </summary>
public static class ResvWaits
{
    // Orders registrations and removals against snapshots; a leaf (nothing is called under it).
    private static readonly Lock s_lock = new();
    private static readonly List<ResvWait> s_waits = [];

    /// <summary>
    /// Registers a wait on <paramref name="fence"/> by <paramref name="function"/> of <paramref name="device"/>,
    /// holding <paramref name="held"/>; <paramref name="breaker"/> lets the watchdog break it.
    /// </summary>
    public static ResvWaitScope WaitingOnFence(string device, string function, IReadOnlyList<DmaResv> held, DmaFence fence,
        CancellationTokenSource? breaker) =>
        Add(new ResvWait(ResvWaitKind.Fence, device, function, held, null, fence, null, breaker));

    /// <summary>
    /// Registers a wait for the reservation lock of <paramref name="wanted"/>; <paramref name="signals"/> says which
    /// fences the waiter must signal when it is a device's recovery (null otherwise).
    /// </summary>
    public static ResvWaitScope WaitingForLock(string device, string function, DmaResv wanted, Func<DmaFence, bool>? signals) =>
        Add(new ResvWait(ResvWaitKind.Lock, device, function, [], wanted, null, signals, null));

    /// <summary>The waits registered now.</summary>
    public static IReadOnlyList<ResvWait> Snapshot()
    {
        lock (s_lock)
        {
            return s_waits.ToArray();
        }
    }

    internal static void Remove(ResvWait wait)
    {
        lock (s_lock)
        {
            s_waits.Remove(wait);
        }
    }

    private static ResvWaitScope Add(ResvWait wait)
    {
        lock (s_lock)
        {
            s_waits.Add(wait);
        }

        return new ResvWaitScope(wait);
    }
}
