using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>
/// A fence with a chosen busywait whose "running since" timestamp the test decides at the moment a busywait that ran
/// out asks for it (<see cref="DmaFence"/> reads it only then): <paramref name="since"/> gets the current
/// <see cref="System.Diagnostics.Stopwatch"/> timestamp and returns what the work's start should be.
/// </summary>
internal sealed class RunningSinceFence(long busywaitNs, Func<long, long> since) : DmaFence
{
    private int _asked;

    /// <summary>Set when a busywait that ran out asked when the work began.</summary>
    public ManualResetEventSlim Asked { get; } = new();

    /// <summary>How many times it was asked.</summary>
    public int TimesAsked => Volatile.Read(ref _asked);

    /// <inheritdoc/>
    protected override long BusywaitNs => busywaitNs;

    /// <inheritdoc/>
    protected override long RunningSinceTimestamp
    {
        get
        {
            long answer = since(System.Diagnostics.Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _asked);
            Asked.Set();
            return answer;
        }
    }
}
