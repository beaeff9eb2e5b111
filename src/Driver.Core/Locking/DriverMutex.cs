namespace Driver.Core.Locking;

/// <summary>
/// A sleeping mutex (the kernel's struct mutex) over <see cref="System.Threading.Lock"/>, validated by its class's
/// <see cref="LockValidator"/> when that is enabled. Not re-entrant, like the kernel's: a thread that locks it
/// again gets a lockdep report (when enabled) and a <see cref="LockRecursionException"/> instead of a self-deadlock.
/// Supports hand-off: <see cref="LockForHandOff"/> on one thread, <see cref="UnlockHandedOff"/> on another.
/// </summary>
public sealed partial class DriverMutex
{
    // The real mutual exclusion. Held by the owner from Lock() to Unlock(); during a hand-off it is released by the
    // taking thread and the mutex is instead kept by _transitClear being reset (see LockForHandOff).
    private readonly Lock _lock = new();
    private readonly LockValidator _validator;

    // Hand-off state, allocated by the first LockForHandOff while holding _lock; every reader reads it while holding
    // _lock too, so the allocation is published by _lock's release/acquire. Reset (under _lock) = in transit;
    // Set (by UnlockHandedOff, on any thread, without _lock) = released. Exactly one Set follows each Reset.
    private ManualResetEventSlim? _transitClear;

    // Sequence of the hand-off now in transit, 0 when none. Written under _lock by LockForHandOff; cleared by the
    // single UnlockHandedOff whose CompareExchange wins, which makes a double or stale hand-off release detectable.
    private long _inTransit;

    // Number of hand-offs so far, the source of ticket sequences; only touched while holding _lock.
    private long _handOffCount;

    /// <summary>Creates a mutex of class <paramref name="cls"/>.</summary>
    public DriverMutex(LockClass cls)
    {
        ArgumentNullException.ThrowIfNull(cls);
        Class = cls;
        _validator = cls.Validator;
    }

    /// <summary>Creates a mutex of class <paramref name="className"/> of <see cref="Lockdep.Default"/>.</summary>
    public DriverMutex(string className)
        : this(Lockdep.Default.Class(className))
    {
    }

    /// <summary>The lock class (one per kind of lock).</summary>
    public LockClass Class { get; }

    /// <summary>The lock class name; same as <c>Class.Name</c> (kept from the placeholder API).</summary>
    public string ClassName => Class.Name;

    /// <summary>True when the calling thread holds the mutex (false for everyone while it is handed off).</summary>
    public bool IsHeldByCurrentThread => _lock.IsHeldByCurrentThread;

    /// <summary>True while a hand-off is in transit: taken by <see cref="LockForHandOff"/>, not yet released.</summary>
    public bool IsHandedOff => Volatile.Read(ref _inTransit) != 0;

    /// <summary>mutex_lock: blocks until the mutex is acquired.</summary>
    public void Lock()
    {
        if (_validator.Enabled)
        {
            LockTracked(Class.Node0);
            return;
        }

        EnterUnderlying();
    }

    /// <summary>
    /// mutex_lock_nested: like <see cref="Lock()"/>, but validated as subclass <paramref name="subclass"/> (0..7), so
    /// two instances of one class can be nested legally (parent at 0, child at 1).
    /// </summary>
    public void Lock(int subclass)
    {
        LockNode node = Class.Node(subclass);
        if (_validator.Enabled)
        {
            LockTracked(node);
            return;
        }

        EnterUnderlying();
    }

    /// <summary>mutex_trylock: acquires the mutex if it is free, without waiting. False when held by anyone, the caller included.</summary>
    public bool TryLock()
    {
        if (_lock.IsHeldByCurrentThread || !_lock.TryEnter())
        {
            return false;
        }

        ManualResetEventSlim? transit = _transitClear;
        if (transit is not null && !transit.IsSet)
        {
            _lock.Exit();
            return false;
        }

        if (_validator.Enabled)
        {
            try
            {
                _validator.OnTryAcquired(Class.Node0, this, AcquireKind.Exclusive);
            }
            catch
            {
                _lock.Exit();
                throw;
            }
        }

        return true;
    }

    /// <summary>mutex_unlock. Releasing a mutex the thread does not hold is reported (when enabled) and throws <see cref="SynchronizationLockException"/>.</summary>
    public void Unlock()
    {
        if (_validator.Enabled && !_validator.OnRelease(this) && !_lock.IsHeldByCurrentThread)
        {
            // Not tracked and not owned: a real imbalance. (Tracked-not-owned cannot happen; owned-not-tracked means
            // it was taken while validation was off, which is fine.)
            _validator.ReportBadUnlock(Class.Node0);
        }

        _lock.Exit();
    }

    /// <summary>Locks and returns a scope whose Dispose unlocks: <c>using (m.Acquire()) { ... }</c>. Allocates nothing.</summary>
    public Scope Acquire()
    {
        Lock();
        return new Scope(this);
    }

    private void LockTracked(LockNode node)
    {
        _validator.OnAcquire(node, this, AcquireKind.Exclusive);
        try
        {
            EnterUnderlying();
        }
        catch
        {
            _validator.OnRelease(this);
            throw;
        }
    }

    private void EnterUnderlying()
    {
        // System.Threading.Lock is re-entrant; a kernel mutex is not. Refuse recursion loudly rather than let it pass
        // silently (validation off) or hang.
        if (_lock.IsHeldByCurrentThread)
        {
            ThrowRecursion();
        }

        _lock.Enter();
        ManualResetEventSlim? transit = _transitClear;
        if (transit is not null && !transit.IsSet)
        {
            // Handed off and not yet released: wait holding _lock, so later lockers queue on _lock behind us.
            // UnlockHandedOff needs no _lock, so this cannot deadlock against it.
            transit.Wait();
        }
    }

    private void ThrowRecursion() =>
        throw new LockRecursionException($"DriverMutex '{Class.Name}' is already held by this thread (a kernel mutex would self-deadlock).");
}
