using Driver.Core.Sync;

namespace Driver.Core.Tests.Sync;

/// <summary>An engine thread that does "work" in a loop and parks between two iterations (its safe point).</summary>
internal sealed class FakeEngine : IStoppable, IDisposable
{
    private readonly object _lock = new();
    private readonly TestThread _thread;
    private bool _parkRequested;
    private bool _parked;
    private bool _stop;
    private long _iterations;
    private int _parkCalls;
    private int _unparkCalls;

    public FakeEngine(string name)
    {
        Name = name;
        _thread = TestThread.Start(name, Loop);
    }

    public string Name { get; }

    public long Iterations => Volatile.Read(ref _iterations);

    public int ParkCalls => Volatile.Read(ref _parkCalls);

    public int UnparkCalls => Volatile.Read(ref _unparkCalls);

    public bool IsParked
    {
        get
        {
            lock (_lock)
            {
                return _parked;
            }
        }
    }

    public bool Park(TimeSpan timeout)
    {
        Interlocked.Increment(ref _parkCalls);
        lock (_lock)
        {
            _parkRequested = true;
            Monitor.PulseAll(_lock);
            while (!_parked)
            {
                if (!Monitor.Wait(_lock, timeout))
                {
                    // Contract: on false the engine must not stay parked.
                    _parkRequested = false;
                    Monitor.PulseAll(_lock);
                    return false;
                }
            }

            return true;
        }
    }

    public void Unpark()
    {
        Interlocked.Increment(ref _unparkCalls);
        lock (_lock)
        {
            _parkRequested = false;
            Monitor.PulseAll(_lock);

            // Wait for the engine to actually leave its parking spot, so a quick re-Park cannot see a stale _parked.
            while (_parked)
            {
                Assert.True(Monitor.Wait(_lock, Bound.Long), "engine did not resume");
            }
        }
    }

    /// <summary>Waits (bounded) until the engine has done more than <paramref name="iterations"/> iterations.</summary>
    public void WaitForProgressBeyond(long iterations) =>
        Poll.Until(() => Iterations > iterations, $"{Name} to make progress");

    public void Dispose()
    {
        lock (_lock)
        {
            _stop = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join();
    }

    private void Loop()
    {
        while (true)
        {
            lock (_lock)
            {
                if (_parkRequested && !_stop)
                {
                    _parked = true;
                    Monitor.PulseAll(_lock);
                    while (_parkRequested && !_stop)
                    {
                        Assert.True(Monitor.Wait(_lock, Bound.Long), "engine parked for too long");
                    }

                    _parked = false;
                    Monitor.PulseAll(_lock);
                }

                if (_stop)
                {
                    return;
                }
            }

            Interlocked.Increment(ref _iterations);
            Thread.Sleep(1);
        }
    }
}
