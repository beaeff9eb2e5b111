namespace Driver.Core.Locking;

/// <summary>
/// A validated lock with a condition variable (a mutex plus a wait queue, as <c>wait_event</c> under a lock): for the
/// driver's handshakes that must sleep until state changes (engine parking, the reset wait queue, fence waiters).
/// <see cref="Wait(int)"/> releases the lock for the validator too, so a thread sleeping here holds nothing, and reacquiring
/// afterwards is validated like any acquisition. Not re-entrant.
/// </summary>
public sealed partial class DriverMonitor
{
    private readonly LockValidator _validator;

    /// <summary>The monitor object; only this class enters or waits on it.</summary>
    private readonly object _sync = new();

    /// <summary>Creates a monitor of class <paramref name="cls"/>.</summary>
    public DriverMonitor(LockClass cls)
    {
        ArgumentNullException.ThrowIfNull(cls);
        Class = cls;
        _validator = cls.Validator;
    }

    /// <summary>Creates a monitor of class <paramref name="className"/> of <see cref="Lockdep.Default"/>.</summary>
    public DriverMonitor(string className)
        : this(Lockdep.Default.Class(className))
    {
    }

    /// <summary>The lock class.</summary>
    public LockClass Class { get; }

    /// <summary>True when the calling thread holds the monitor.</summary>
    public bool IsHeldByCurrentThread => Monitor.IsEntered(_sync);

    /// <summary>Takes the monitor.</summary>
    public void Enter()
    {
        if (Monitor.IsEntered(_sync))
        {
            throw new LockRecursionException($"DriverMonitor '{Class.Name}' is already held by this thread.");
        }

        if (_validator.Enabled)
        {
            _validator.OnAcquire(Class.Node0, this, AcquireKind.Exclusive);
        }

        try
        {
            Monitor.Enter(_sync);
        }
        catch
        {
            if (_validator.Enabled)
            {
                _validator.OnRelease(this);
            }

            throw;
        }
    }

    /// <summary>Releases the monitor.</summary>
    public void Exit()
    {
        if (!Monitor.IsEntered(_sync))
        {
            if (_validator.Enabled)
            {
                _validator.ReportBadUnlock(Class.Node0);
            }

            throw new SynchronizationLockException($"DriverMonitor '{Class.Name}' is not held by this thread.");
        }
        if (_validator.Enabled)
        {
            _validator.OnRelease(this);
        }

        Monitor.Exit(_sync);
    }

    /// <summary>Takes the monitor; the returned scope releases it. Allocates nothing.</summary>
    public Scope Acquire()
    {
        Enter();
        return new Scope(this);
    }

    /// <summary>
    /// Releases the monitor, sleeps until pulsed or <paramref name="timeoutMs"/> elapsed, and takes it again (the
    /// caller re-checks its condition). The caller must hold it.
    /// </summary>
    public bool Wait(int timeoutMs)
    {
        if (!Monitor.IsEntered(_sync))
        {
            throw new SynchronizationLockException($"DriverMonitor '{Class.Name}' waited on without being held.");
        }

        bool tracked = _validator.Enabled && _validator.OnRelease(this);
        try
        {
            return Monitor.Wait(_sync, timeoutMs);
        }
        finally
        {
            // Re-acquisition after the sleep is an acquisition like any other (a blocking one, not a trylock): validated
            // against what else is held, so a lock taken after the monitor and held across the wait is ordered before it.
            if (tracked)
            {
                _validator.OnAcquire(Class.Node0, this, AcquireKind.Exclusive);
            }
        }
    }

    /// <summary>Waits without a bound (the caller guarantees a pulse will come).</summary>
    public void Wait() => Wait(Timeout.Infinite);

    /// <summary>Wakes every waiter. The caller must hold the monitor.</summary>
    public void PulseAll() => Monitor.PulseAll(_sync);
}
