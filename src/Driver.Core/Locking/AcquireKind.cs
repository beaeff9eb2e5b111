namespace Driver.Core.Locking;

/// <summary>How a lock is taken, which decides the dependency types it creates (the kernel's read argument of lock_acquire).</summary>
internal enum AcquireKind
{
    /// <summary>Mutex, spin lock, rwlock writer, fence wait: excludes every other holder.</summary>
    Exclusive = 0,

    /// <summary>
    /// Rwlock reader. Held, it is shared; acquired, it can block behind a queued writer (ReaderWriterLockSlim prefers writers),
    /// so as the target of a dependency it counts as non-recursive: a cycle through read edges is still reported.
    /// </summary>
    Read = 1,

    /// <summary>Recursive reader that never blocks on readers or queued writers (rcu_read_lock-like sections such as the epoch).</summary>
    RecursiveRead = 2,
}
