using Driver.Core.Fences;

namespace Driver.Fuzz;

/// <summary>
/// One fence of a fuzz case and a callback on it counting the signals it sees and the status at the first one, so
/// that a second signal or an error set after the signal shows up (the invariant: once, error before signal).
/// </summary>
internal sealed class FenceWatch : FenceCallback
{
    private int _calls;
    private int _statusAtSignal;

    /// <summary>Starts watching <paramref name="fence"/>.</summary>
    public FenceWatch(DmaFence fence, string what)
    {
        Fence = fence;
        What = what;
        // Refused when the fence has signalled already: that signal is the one counted.
        if (!fence.AddCallback(this))
        {
            Invoke(fence);
        }
    }

    /// <summary>The fence.</summary>
    public DmaFence Fence { get; }

    /// <summary>What the fence belongs to, for messages.</summary>
    public string What { get; }

    /// <summary>Signals seen.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Status read at the first signal.</summary>
    public int StatusAtSignal => Volatile.Read(ref _statusAtSignal);

    /// <inheritdoc/>
    public override void Invoke(DmaFence fence)
    {
        // The first signal's status, published before the count that the checker waits on (a signalled fence's
        // status is never 0, so 0 means "not yet recorded").
        Interlocked.CompareExchange(ref _statusAtSignal, fence.Status, 0);
        Interlocked.Increment(ref _calls);
    }
}
