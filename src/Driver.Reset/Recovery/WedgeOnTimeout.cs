namespace Driver.Reset.Recovery;

/// <summary>
/// intel_wedge_on_timeout: a watchdog armed around one full reset. If the reset has not finished when it fires, the
/// reset gives up (and the device is wedged); once disarmed it can never fire, even when its timer callback was
/// already on its way (the kernel's <c>cancel_delayed_work_sync</c>): a late watchdog must not fail the next reset.
/// </summary>
/// <remarks>
/// <see cref="_lock"/> orders the callback against <see cref="Dispose"/>: the callback tests <see cref="_armed"/> and
/// records the firing under it, and <see cref="Dispose"/> clears <see cref="_armed"/> under it, so a firing either
/// happened before the disarm (and the guarded section saw it) or never happens.
/// </remarks>
internal sealed class WedgeOnTimeout : IDisposable
{
    private readonly object _lock = new();
    private readonly ManualResetEventSlim _fired = new(false);
    private readonly ITimer _timer;
    private readonly Action _onFire;
    private bool _armed = true;

    /// <summary>Arms the watchdog: <paramref name="onFire"/> runs (under the watchdog's lock, so briefly) if it fires.</summary>
    public WedgeOnTimeout(TimeProvider time, TimeSpan timeout, Action onFire)
    {
        _onFire = onFire;
        _timer = time.CreateTimer(_ => Fire(), null, timeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether it fired while armed.</summary>
    public bool Fired => _fired.IsSet;

    /// <summary>Callbacks that arrived after the disarm and were ignored (for tests and diagnostics).</summary>
    public int LateFirings { get; private set; }

    /// <summary>Waits (bounded) for the watchdog to fire: what a reset that hangs in the hardware does.</summary>
    public bool WaitFired(TimeSpan timeout) => _fired.Wait(timeout);

    private void Fire()
    {
        lock (_lock)
        {
            if (!_armed)
            {
                LateFirings++;
                return;
            }

            _onFire();
            _fired.Set();
        }
    }

    /// <summary>Disarms it; after this returns the watchdog never fires.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _armed = false;
        }

        _timer.Dispose();
    }
}
