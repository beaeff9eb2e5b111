namespace Driver.Core.Fences;

/// <summary>
/// What the calling thread's fence waits did, counted on the wait's slow path only (a wait on a fence already
/// signalled counts nothing): see <see cref="DmaFence.CurrentThreadWaitCounters"/>. Per thread, so a test reads its
/// own waits whatever runs beside it, and counting costs no shared write.
/// </summary>
/// <param name="Busywaits">Waits that spun before sleeping (a busywait of more than 0 ns).</param>
/// <param name="BusywaitHits">Of those, waits that saw the signal while spinning and returned without sleeping.</param>
/// <param name="Sleeps">Waits that blocked on the fence's monitor at least once.</param>
public readonly record struct FenceWaitCounters(long Busywaits, long BusywaitHits, long Sleeps);
