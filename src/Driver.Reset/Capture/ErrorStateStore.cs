using Driver.Core.Locking;
namespace Driver.Reset.Capture;

/// <summary>
/// The held error state (i915->gpu_error.first_error): as i915_error_state_store does, only the first error
/// captured is kept; later ones are counted and dropped until the error file is written to, which clears it
/// (i915_reset_error_state) and lets the next capture in.
/// </summary>
public sealed class ErrorStateStore
{
    private readonly DriverSpinLock _lock = new("error->states_lock");
    private GpuErrorState? _first;
    private int _nextId = 1;
    private int _total;

    /// <summary>Error states captured since start, including dropped and cleared ones.</summary>
    public int TotalCaptured { get { using (_lock.Acquire()) { return _total; } } }

    /// <summary>The held error state, or null ("No error state collected").</summary>
    public GpuErrorState? First { get { using (_lock.Acquire()) { return _first; } } }

    /// <summary>
    /// Builds a state with the next id and keeps it if none is held and it is not simulated. Returns the state built, kept or not (i915
    /// logs every capture's error message, stored or not).
    /// </summary>
    public GpuErrorState Add(Func<int, GpuErrorState> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        using (_lock.Acquire())
        {
            GpuErrorState s = build(_nextId++);
            _total++;
            // i915_error_state_store: a simulated dump (a NO_ERROR_CAPTURE context hung) is never stored, so the
            // next real hang still finds first_error free.
            if (!s.Simulated)
            {
                _first ??= s;
            }

            return s;
        }
    }

    /// <summary>Drops the held state (a write to the error file).</summary>
    public void Clear()
    {
        using (_lock.Acquire())
        {
            _first = null;
        }
    }
}
