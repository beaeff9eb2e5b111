namespace Driver.Core.Sync;

/// <summary>Outcome of waiting for one reader slot.</summary>
internal enum ReaderWait
{
    /// <summary>The slot no longer holds a section the waiter must wait for.</summary>
    Quiescent,

    /// <summary>The owner thread has exited (possibly inside a section); treated as quiescent.</summary>
    OwnerDead,

    /// <summary>The deadline passed first.</summary>
    TimedOut,
}
