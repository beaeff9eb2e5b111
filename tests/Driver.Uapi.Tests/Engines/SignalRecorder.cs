using System.Collections.Concurrent;
using Driver.Core.Fences;
using Driver.Core.Requests;

namespace Driver.Uapi.Tests.Engines;

/// <summary>
/// Records the order in which requests signal, and the breadcrumb each one's timeline showed then. Callbacks run
/// just after a fence reads signalled, so a waiter can wake before the entry is logged: read through <see cref="Await"/>.
/// </summary>
public sealed class SignalRecorder
{
    private readonly ConcurrentQueue<(uint Seqno, uint Breadcrumb, int Status)> _log = new();

    /// <summary>Signals recorded so far, in order.</summary>
    public IReadOnlyList<(uint Seqno, uint Breadcrumb, int Status)> Log => _log.ToArray();

    /// <summary>Waits (bounded) until <paramref name="count"/> signals were recorded and returns them in order.</summary>
    public IReadOnlyList<(uint Seqno, uint Breadcrumb, int Status)> Await(int count)
    {
        Poll.Until(() => _log.Count >= count, $"{count} signals to be recorded", () => $"only {_log.Count} recorded");
        return Log;
    }

    /// <summary>Watches <paramref name="fence"/> (a request); asserts it has not signalled yet.</summary>
    public void Watch(DmaFence fence)
    {
        Request rq = Assert.IsType<Request>(fence);
        Assert.True(fence.AddCallback(new ActionFenceCallback(_ => _log.Enqueue((rq.Seqno, rq.Timeline.Breadcrumb, rq.Status)))),
            $"{rq} signalled before it was watched");
    }
}
