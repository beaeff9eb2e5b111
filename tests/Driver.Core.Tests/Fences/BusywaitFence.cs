using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>
/// A fence with a chosen busywait, which also says when a wait has begun its spin: <see cref="DmaFence"/> reads
/// <c>BusywaitNs</c> once per wait, on the waiting thread, just before it spins.
/// </summary>
internal sealed class BusywaitFence(long busywaitNs) : DmaFence
{
    /// <summary>Set when a waiter has read the busywait (it spins next, unless the busywait is 0).</summary>
    public ManualResetEventSlim Spinning { get; } = new();

    /// <inheritdoc/>
    protected override long BusywaitNs
    {
        get
        {
            Spinning.Set();
            return busywaitNs;
        }
    }
}
