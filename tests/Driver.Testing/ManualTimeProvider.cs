namespace Driver.Testing;

/// <summary>
/// A clock whose timers fire only when the test says so (<see cref="FireAll"/>): a watchdog's timeout becomes a step
/// of the test instead of a race against the wall clock. Wall-clock time itself is the system's.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];

    /// <summary>Timers created so far (disposed ones included).</summary>
    public int TimersCreated { get { lock (_timers) { return _timers.Count; } } }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(callback, state);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    /// <summary>
    /// Runs the callback of every timer created so far, disposed or not, on the calling thread: a disposed timer's
    /// callback running late is exactly the race a watchdog must survive. Returns how many ran.
    /// </summary>
    public int FireAll(bool includeDisposed = false)
    {
        ManualTimer[] timers;
        lock (_timers)
        {
            timers = [.. _timers];
        }

        int n = 0;
        foreach (ManualTimer t in timers)
        {
            if (!t.IsDisposed || includeDisposed)
            {
                t.Fire();
                n++;
            }
        }

        return n;
    }

    private sealed class ManualTimer(TimerCallback callback, object? state) : ITimer
    {
        private int _disposed;

        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period) => !IsDisposed;

        public void Dispose() => Volatile.Write(ref _disposed, 1);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
