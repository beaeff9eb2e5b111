namespace Driver.Core.Locking;

/// <summary>
/// A pseudo lock (the kernel's struct lockdep_map with lock_map_acquire/release): it owns nothing and excludes
/// nobody, it only tells the validator "this context is entered" (mmap_lock around a fault, fs_reclaim around an
/// allocation that may reclaim, an SRCU read section) or "this waits for that context" (<see cref="MightLock"/>,
/// <see cref="Wait"/>: synchronize_srcu, a completion wait). Off, every call costs one field read.
/// </summary>
/// <remarks>
/// Holding a map is per thread, like holding a lock: many threads may hold one map at once (it is not a lock), and
/// each release pops the calling thread's innermost entry of this map.
/// </remarks>
public sealed class LockdepMap
{
    private readonly LockValidator _validator;

    /// <summary>Creates a map of class <paramref name="cls"/>.</summary>
    public LockdepMap(LockClass cls)
    {
        ArgumentNullException.ThrowIfNull(cls);
        Class = cls;
        _validator = cls.Validator;
    }

    /// <summary>Creates a map of class <paramref name="className"/> of <see cref="Lockdep.Default"/>.</summary>
    public LockdepMap(string className)
        : this(Lockdep.Default.Class(className))
    {
    }

    /// <summary>The pseudo lock's class.</summary>
    public LockClass Class { get; }

    /// <summary>lock_map_acquire: enters the context exclusively (a writer: down_write, fs_reclaim_acquire).</summary>
    public void Acquire() => AcquireAs(AcquireKind.Exclusive);

    /// <summary>lock_map_acquire_read: enters the context as a reader that may block behind a writer (down_read).</summary>
    public void AcquireRead() => AcquireAs(AcquireKind.Read);

    /// <summary>
    /// Enters the context as a recursive reader that never blocks on other readers (rcu_read_lock, srcu_read_lock,
    /// dma_fence_begin_signalling).
    /// </summary>
    public void AcquireRecursiveRead() => AcquireAs(AcquireKind.RecursiveRead);

    /// <summary>lock_map_release: leaves the innermost hold of this thread; a release without a hold is reported.</summary>
    public void Release()
    {
        if (!_validator.OnRelease(this) && _validator.Enabled)
        {
            _validator.ReportBadUnlock(Class.Node0);
        }
    }

    /// <summary>
    /// might_lock / lock_map_acquire + lock_map_release: validates taking the context exclusively here, without
    /// holding it. The shape of every "wait for whoever is inside": synchronize_srcu, a completion wait.
    /// </summary>
    public void MightLock()
    {
        if (_validator.Enabled)
        {
            _validator.OnMightAcquire(Class.Node0, AcquireKind.Exclusive);
        }
    }

    /// <summary>might_lock_read: validates entering the context as a reader here (might_fault on mmap_lock).</summary>
    public void MightLockRead()
    {
        if (_validator.Enabled)
        {
            _validator.OnMightAcquire(Class.Node0, AcquireKind.Read);
        }
    }

    /// <summary>
    /// A wait for the context this map stands for to complete (wait_for_completion, a grace period): the waiter's
    /// held locks → this map. Same as <see cref="MightLock"/>; named for the call sites.
    /// </summary>
    public void Wait() => MightLock();

    /// <summary>
    /// The completer's side of a cross-release wait (complete(), the end of a grace period, a hand-off release):
    /// the completer could only get here after taking the locks it holds now, so a waiter waits for them too. Records
    /// this map → each lock the calling thread holds, closing the waiter's held → map edges into a cycle when the
    /// completer needs a lock a waiter holds.
    /// </summary>
    public void Complete()
    {
        if (_validator.Enabled)
        {
            _validator.CommitCrossRelease(Class.Node0);
        }
    }

    /// <summary><see cref="Acquire"/> and a scope whose Dispose releases.</summary>
    public Scope Hold()
    {
        Acquire();
        return new Scope(this);
    }

    /// <summary><see cref="AcquireRead"/> and a scope whose Dispose releases.</summary>
    public Scope HoldRead()
    {
        AcquireRead();
        return new Scope(this);
    }

    /// <summary><see cref="AcquireRecursiveRead"/> and a scope whose Dispose releases.</summary>
    public Scope HoldRecursiveRead()
    {
        AcquireRecursiveRead();
        return new Scope(this);
    }

    /// <summary>Returns the class name.</summary>
    public override string ToString() => Class.Name;

    private void AcquireAs(AcquireKind kind)
    {
        if (_validator.Enabled)
        {
            _validator.OnAcquire(Class.Node0, this, kind);
        }
    }

    /// <summary>A held map, released on Dispose. Allocates nothing.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly LockdepMap? _map;

        internal Scope(LockdepMap map)
        {
            _map = map;
        }

        /// <summary>Releases the map (nothing for a default scope).</summary>
        public void Dispose() => _map?.Release();
    }
}
