using Driver.Reset.Recovery;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Observes the first full reset for <see cref="ResetLockTests"/>. Inside the hardware step (BACKOFF set, registers
/// clobbered) it (1) runs a ResetLock with a short timeout on another thread and waits for it to return: it can only
/// time out, because BACKOFF cannot clear before this hook returns; (2) starts a thread whose ResetLock has a long
/// timeout and waits (bounded) until that thread blocks: it must get in only after <see cref="OnResetFinish"/>.
/// Sequence numbers order the hooks against the lock users.
/// </summary>
internal sealed class ResetOrderObserver(GtReset reset) : IResetObserver
{
    private long _sequence;

    /// <summary>Sequence number of the first hardware reset, 0 if none.</summary>
    public long HardwareReset { get; private set; }

    /// <summary>Sequence number of the first reset's finish, 0 if none.</summary>
    public long Finish { get; private set; }

    /// <summary>Whether the short ResetLock inside the hardware step got in (or never returned).</summary>
    public bool ShortTryAcquired { get; private set; }

    /// <summary>Sequence number at which the long ResetLock got in, 0 if it did not.</summary>
    public long LateLockerAcquired { get; private set; }

    /// <summary>The thread running the long ResetLock.</summary>
    public Thread? LateLocker { get; private set; }

    /// <summary>Takes the next sequence number.</summary>
    public long Next() => Interlocked.Increment(ref _sequence);

    /// <inheritdoc/>
    public void OnResetPrepare() { }

    /// <inheritdoc/>
    public void OnHardwareReset()
    {
        if (HardwareReset != 0)
        {
            return;
        }

        HardwareReset = Next();
        bool acquired = true;
        var shortTry = new Thread(() =>
        {
            acquired = reset.ResetLock(TimeSpan.FromMilliseconds(20));
            if (acquired)
            {
                reset.ResetUnlock();
            }
        })
        { IsBackground = true };
        shortTry.Start();
        ShortTryAcquired = !shortTry.Join(Bound.Long) || acquired;

        var late = new Thread(() =>
        {
            if (!reset.ResetLock(Bound.Long))
            {
                return;
            }

            LateLockerAcquired = Next();
            reset.ResetUnlock();
        })
        { IsBackground = true };
        LateLocker = late;
        late.Start();
        // Wait until it blocks in ResetLock, so it is really waiting on this reset (bounded; the ordering assertion
        // holds either way).
        DateTime deadline = DateTime.UtcNow + Bound.Long;
        while ((late.ThreadState & ThreadState.WaitSleepJoin) == 0 && LateLockerAcquired == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Yield();
        }
    }

    /// <inheritdoc/>
    public void OnResetRestore() { }

    /// <inheritdoc/>
    public void OnResetFinish()
    {
        if (Finish == 0)
        {
            Finish = Next();
        }
    }
}
