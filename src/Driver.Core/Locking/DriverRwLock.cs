namespace Driver.Core.Locking;

/// <summary>
/// A reader-writer lock (the kernel's rw_semaphore) over <see cref="ReaderWriterLockSlim"/>, validated by its class's
/// <see cref="LockValidator"/> when that is enabled.
/// </summary>
/// <remarks>
/// Validation model, kept simple: a thread may re-enter read while it holds read (same class: not reported as
/// recursion, and the underlying lock lets the same instance in at once). Any other same-class nesting is recursion.
/// For ordering, a held read lock is "shared" but a read acquisition counts as able to block: ReaderWriterLockSlim
/// queues new readers behind a waiting writer, so a cycle made only of read edges is still reported, because a
/// writer can interleave and close it. Recursion the kernel would deadlock on (write inside write, read inside write)
/// throws <see cref="LockRecursionException"/>.
/// </remarks>
public sealed partial class DriverRwLock
{
    // The real lock. SupportsRecursion only so a reader may re-enter read (allowed above); the other recursive
    // patterns are refused explicitly before reaching it.
    private readonly ReaderWriterLockSlim _rw = new(LockRecursionPolicy.SupportsRecursion);
    private readonly LockValidator _validator;

    /// <summary>Creates a reader-writer lock of class <paramref name="cls"/>.</summary>
    public DriverRwLock(LockClass cls)
    {
        ArgumentNullException.ThrowIfNull(cls);
        Class = cls;
        _validator = cls.Validator;
    }

    /// <summary>Creates a reader-writer lock of class <paramref name="className"/> of <see cref="Lockdep.Default"/>.</summary>
    public DriverRwLock(string className)
        : this(Lockdep.Default.Class(className))
    {
    }

    /// <summary>The lock class (one per kind of lock).</summary>
    public LockClass Class { get; }

    /// <summary>True when the calling thread holds it for read.</summary>
    public bool IsReadLockHeld => _rw.IsReadLockHeld;

    /// <summary>True when the calling thread holds it for write.</summary>
    public bool IsWriteLockHeld => _rw.IsWriteLockHeld;

    /// <summary>down_read: blocks until held for read.</summary>
    public void EnterRead()
    {
        if (_validator.Enabled)
        {
            _validator.OnAcquire(Class.Node0, this, AcquireKind.Read);
            try
            {
                EnterReadUnderlying();
            }
            catch
            {
                _validator.OnRelease(this);
                throw;
            }

            return;
        }

        EnterReadUnderlying();
    }

    /// <summary>down_read_trylock: takes it for read if that needs no wait.</summary>
    public bool TryEnterRead()
    {
        if (_rw.IsWriteLockHeld || !_rw.TryEnterReadLock(0))
        {
            return false;
        }

        TrackTry(AcquireKind.Read);
        return true;
    }

    /// <summary>up_read. Releasing a read hold the thread does not have is reported (when enabled) and throws <see cref="SynchronizationLockException"/>.</summary>
    public void ExitRead()
    {
        if (_validator.Enabled && !_validator.OnRelease(this) && !_rw.IsReadLockHeld)
        {
            _validator.ReportBadUnlock(Class.Node0);
        }

        _rw.ExitReadLock();
    }

    /// <summary>down_write: blocks until held exclusively.</summary>
    public void EnterWrite()
    {
        if (_validator.Enabled)
        {
            _validator.OnAcquire(Class.Node0, this, AcquireKind.Exclusive);
            try
            {
                EnterWriteUnderlying();
            }
            catch
            {
                _validator.OnRelease(this);
                throw;
            }

            return;
        }

        EnterWriteUnderlying();
    }

    /// <summary>down_write_trylock: takes it exclusively if that needs no wait.</summary>
    public bool TryEnterWrite()
    {
        if (_rw.IsWriteLockHeld || _rw.IsReadLockHeld || !_rw.TryEnterWriteLock(0))
        {
            return false;
        }

        TrackTry(AcquireKind.Exclusive);
        return true;
    }

    /// <summary>up_write. Releasing a write hold the thread does not have is reported (when enabled) and throws <see cref="SynchronizationLockException"/>.</summary>
    public void ExitWrite()
    {
        if (_validator.Enabled && !_validator.OnRelease(this) && !_rw.IsWriteLockHeld)
        {
            _validator.ReportBadUnlock(Class.Node0);
        }

        _rw.ExitWriteLock();
    }

    /// <summary>Enters read and returns a scope whose Dispose exits it. Allocates nothing.</summary>
    public ReadScope Read()
    {
        EnterRead();
        return new ReadScope(this);
    }

    /// <summary>Enters write and returns a scope whose Dispose exits it. Allocates nothing.</summary>
    public WriteScope Write()
    {
        EnterWrite();
        return new WriteScope(this);
    }

    private void TrackTry(AcquireKind kind)
    {
        if (!_validator.Enabled)
        {
            return;
        }

        try
        {
            _validator.OnTryAcquired(Class.Node0, this, kind);
        }
        catch
        {
            if (kind == AcquireKind.Read)
            {
                _rw.ExitReadLock();
            }
            else
            {
                _rw.ExitWriteLock();
            }

            throw;
        }
    }

    private void EnterReadUnderlying()
    {
        if (_rw.IsWriteLockHeld)
        {
            throw new LockRecursionException($"DriverRwLock '{Class.Name}': read inside this thread's own write hold (a kernel rwsem would self-deadlock).");
        }

        _rw.EnterReadLock();
    }

    private void EnterWriteUnderlying()
    {
        if (_rw.IsWriteLockHeld || _rw.IsReadLockHeld)
        {
            throw new LockRecursionException($"DriverRwLock '{Class.Name}': write while this thread already holds it (a kernel rwsem would self-deadlock).");
        }

        _rw.EnterWriteLock();
    }
}
