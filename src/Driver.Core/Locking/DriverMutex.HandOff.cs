namespace Driver.Core.Locking;

/// <summary>Lock hand-off: taken on one thread, released on another once the data it protects was consumed.</summary>
public sealed partial class DriverMutex
{
    /// <summary>
    /// Takes the mutex on this thread (validated like <see cref="Lock()"/>, so its ordering against locks this thread
    /// holds is checked), then detaches it from the thread: it stays locked, "in transit", until some thread calls
    /// <see cref="UnlockHandedOff"/> with the returned ticket. While in transit no thread's held-lock stack has it,
    /// so nothing is reported about it; what the releasing thread holds at <see cref="UnlockHandedOff"/> is learnt
    /// then (class → each held lock), as cross-release's commit step would.
    /// </summary>
    public HandOffTicket LockForHandOff()
    {
        if (_validator.Enabled)
        {
            _validator.OnAcquire(Class.Node0, this, AcquireKind.Exclusive);
            try
            {
                return EnterForHandOff();
            }
            finally
            {
                // Whether it succeeded (now in transit) or threw (not taken): this thread no longer holds it.
                _validator.OnRelease(this);
            }
        }

        return EnterForHandOff();
    }

    /// <summary>
    /// Releases a handed-off mutex, on any thread, without a report. A ticket that is not the one in transit
    /// (default, already released, another mutex's) is reported as a bad unlock (when enabled) and throws
    /// <see cref="SynchronizationLockException"/>.
    /// </summary>
    public void UnlockHandedOff(HandOffTicket ticket)
    {
        if (!ReferenceEquals(ticket.Mutex, this) || ticket.Sequence == 0
            || Interlocked.CompareExchange(ref _inTransit, 0, ticket.Sequence) != ticket.Sequence)
        {
            if (_validator.Enabled)
            {
                _validator.ReportBadUnlock(Class.Node0);
            }

            throw new SynchronizationLockException($"DriverMutex '{Class.Name}' is not handed off with this ticket.");
        }

        // The commit of the hand-off (cross-release): the mutex was held all along, so whatever this thread took
        // before releasing it was taken while it was held. Records class → each lock held here, which makes the 2009
        // AB-BA (the releaser needs B, someone holding B waits for the mutex) a reported cycle.
        if (_validator.Enabled)
        {
            _validator.CommitCrossRelease(Class.Node0);
        }

        // _transitClear was allocated before the ticket existed, and the ticket reached this thread through whatever
        // synchronisation passed it on, so it is visible here.
        Volatile.Read(ref _transitClear)!.Set();
    }

    private HandOffTicket EnterForHandOff()
    {
        EnterUnderlying();
        _transitClear ??= new ManualResetEventSlim(initialState: true);
        _transitClear.Reset();
        long sequence = ++_handOffCount;
        Volatile.Write(ref _inTransit, sequence);
        // From here the mutex is kept locked by _transitClear, not by _lock.
        _lock.Exit();
        return new HandOffTicket(this, sequence);
    }
}
