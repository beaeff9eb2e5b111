using Driver.Core.Locking;
namespace Driver.Reset.Events;

/// <summary>
/// The device's notification stream (uevents): subscribers are called synchronously on the thread that raised the
/// event, outside every driver lock; a bounded history is kept for tests and results.
/// </summary>
public sealed class GpuEventStream
{
    private readonly DriverSpinLock _lock = new("events->lock");
    private readonly List<GpuEvent> _history = new();
    private readonly int[] _counts = new int[Enum.GetValues<GpuEventKind>().Length];
    private Action<GpuEvent>[] _subscribers = [];

    /// <summary>Most events kept in <see cref="History"/>.</summary>
    public int Capacity { get; init; } = 4096;

    /// <summary>Subscribes; dispose the result to unsubscribe.</summary>
    public IDisposable Subscribe(Action<GpuEvent> handler)
    {
        using (_lock.Acquire())
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>Raises an event.</summary>
    public void Raise(GpuEventKind kind, uint engineMask, string message, long startTimestamp = 0)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        var ev = new GpuEvent(kind, now, engineMask, message, startTimestamp == 0 ? now : startTimestamp);
        Action<GpuEvent>[] subs;
        // Leaf lock for the history; subscribers run after it is released.
        using (_lock.Acquire())
        {
            _counts[(int)kind]++;
            if (_history.Count == Capacity)
            {
                _history.RemoveAt(0);
            }

            _history.Add(ev);
            subs = _subscribers;
        }
        foreach (Action<GpuEvent> s in subs)
        {
            s(ev);
        }
    }

    /// <summary>Number of events of <paramref name="kind"/> raised so far.</summary>
    public int Count(GpuEventKind kind)
    {
        using (_lock.Acquire())
        {
            return _counts[(int)kind];
        }
    }

    /// <summary>Snapshot of recent events.</summary>
    public IReadOnlyList<GpuEvent> History { get { using (_lock.Acquire()) { return _history.ToArray(); } } }

    private sealed class Subscription(GpuEventStream stream, Action<GpuEvent> handler) : IDisposable
    {
        public void Dispose()
        {
            using (stream._lock.Acquire())
            {
                stream._subscribers = stream._subscribers.Where(s => s != handler).ToArray();
            }
        }
    }
}
