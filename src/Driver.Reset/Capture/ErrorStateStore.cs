using Driver.Core.Locking;
namespace Driver.Reset.Capture;

/// <summary>Captured error states, oldest first, bounded; readable and clearable (writing to the sysfs error file).</summary>
public sealed class ErrorStateStore(int capacity)
{
    private readonly DriverSpinLock _lock = new("error->states_lock");
    private readonly List<GpuErrorState> _states = new();
    private int _nextId = 1;
    private int _total;

    /// <summary>Error states captured since start (including cleared ones).</summary>
    public int TotalCaptured { get { using (_lock.Acquire()) { return _total; } } }

    /// <summary>The states currently held.</summary>
    public IReadOnlyList<GpuErrorState> States { get { using (_lock.Acquire()) { return _states.ToArray(); } } }

    /// <summary>The newest, or null ("No error state collected").</summary>
    public GpuErrorState? Latest { get { using (_lock.Acquire()) { return _states.Count > 0 ? _states[^1] : null; } } }

    /// <summary>Stores a state built by <paramref name="build"/> with the next id.</summary>
    public GpuErrorState Add(Func<int, GpuErrorState> build)
    {
        using (_lock.Acquire())
        {
            GpuErrorState s = build(_nextId++);
            _states.Add(s);
            _total++;
            if (_states.Count > capacity)
            {
                _states.RemoveAt(0);
            }

            return s;
        }
    }

    /// <summary>Forgets every state.</summary>
    public void Clear()
    {
        using (_lock.Acquire())
        {
            _states.Clear();
        }
    }
}
