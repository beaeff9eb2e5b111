namespace Driver.Core.Locking;

/// <summary>
/// A spin lock (the kernel's spinlock_t) for short critical sections: spins, then yields, never sleeps a full
/// timeslice. Same API and validation as <see cref="DriverMutex"/> minus hand-off. Not re-entrant: a thread that
/// takes it again gets a lockdep report (when enabled) and a <see cref="LockRecursionException"/> instead of spinning
/// forever.
/// </summary>
public sealed partial class DriverSpinLock
{
    private readonly LockValidator _validator;

    // Managed thread id of the owner, 0 when free. The CompareExchange that takes it is a full barrier (acquire for
    // the critical section); the Volatile.Write that frees it is the release ordering the section before the next owner.
    private int _owner;

    /// <summary>Creates a spin lock of class <paramref name="cls"/>.</summary>
    public DriverSpinLock(LockClass cls)
    {
        ArgumentNullException.ThrowIfNull(cls);
        Class = cls;
        _validator = cls.Validator;
    }

    /// <summary>Creates a spin lock of class <paramref name="className"/> of <see cref="Lockdep.Default"/>.</summary>
    public DriverSpinLock(string className)
        : this(Lockdep.Default.Class(className))
    {
    }

    /// <summary>The lock class (one per kind of lock).</summary>
    public LockClass Class { get; }

    /// <summary>True when the calling thread holds the lock.</summary>
    public bool IsHeldByCurrentThread => Volatile.Read(ref _owner) == Environment.CurrentManagedThreadId;

    /// <summary>spin_lock: spins (then yields) until acquired.</summary>
    public void Lock()
    {
        if (_validator.Enabled)
        {
            LockTracked(Class.Node0);
            return;
        }

        EnterUnderlying();
    }

    /// <summary>spin_lock_nested: like <see cref="Lock()"/>, validated as subclass <paramref name="subclass"/> (0..7).</summary>
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

    /// <summary>spin_trylock: acquires the lock if it is free. False when held by anyone, the caller included.</summary>
    public bool TryLock()
    {
        if (Interlocked.CompareExchange(ref _owner, Environment.CurrentManagedThreadId, 0) != 0)
        {
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
                Volatile.Write(ref _owner, 0);
                throw;
            }
        }

        return true;
    }

    /// <summary>spin_unlock. Releasing a lock the thread does not hold is reported (when enabled) and throws <see cref="SynchronizationLockException"/>.</summary>
    public void Unlock()
    {
        int me = Environment.CurrentManagedThreadId;
        if (_validator.Enabled && !_validator.OnRelease(this) && Volatile.Read(ref _owner) != me)
        {
            _validator.ReportBadUnlock(Class.Node0);
        }

        if (Volatile.Read(ref _owner) != me)
        {
            throw new SynchronizationLockException($"DriverSpinLock '{Class.Name}' is not held by this thread.");
        }

        Volatile.Write(ref _owner, 0);
    }

    /// <summary>Locks and returns a scope whose Dispose unlocks: <c>using (s.Acquire()) { ... }</c>. Allocates nothing.</summary>
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
        int me = Environment.CurrentManagedThreadId;
        if (Interlocked.CompareExchange(ref _owner, me, 0) != 0)
        {
            EnterContended(me);
        }
    }

    private void EnterContended(int me)
    {
        if (Volatile.Read(ref _owner) == me)
        {
            throw new LockRecursionException($"DriverSpinLock '{Class.Name}' is already held by this thread (it would spin forever).");
        }

        // Spin a little, then yield; sleep1Threshold -1 never falls back to Sleep(1), which would make a short
        // section wait a whole timer tick.
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Volatile.Read(ref _owner) != 0 || Interlocked.CompareExchange(ref _owner, me, 0) != 0);
    }
}
