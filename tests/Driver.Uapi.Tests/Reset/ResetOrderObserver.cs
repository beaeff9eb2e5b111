using Driver.Reset.Recovery;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Observes the first full reset for <see cref="ResetLockTests"/>. Inside the hardware step (BACKOFF set, registers
/// clobbered) it (1) runs a ResetLock with a short timeout on another thread and waits for it to return: it can only
/// time out, because BACKOFF cannot clear before this hook returns; (2) starts a thread whose ResetLock has a long
/// timeout and waits (bounded) until <see cref="GtReset.ResetLockWaits"/> shows that thread found BACKOFF and went
/// to wait: it must get in only after <see cref="OnResetFinish"/>. Sequence numbers order the hooks against the lock
/// users. Runs on the resetting thread, so nothing here throws: outcomes are recorded for the test to assert.
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

    /// <summary>Whether the long ResetLock was seen waiting on BACKOFF while the hardware step ran.</summary>
    public bool LateLockerWaited { get; private set; }

    /// <summary>Sequence number at which the long ResetLock got in, 0 if it did not.</summary>
    public long LateLockerAcquired { get; private set; }

    /// <summary>The thread running the long ResetLock.</summary>
    public TestThread? LateLocker { get; private set; }

    /// <summary>The thread running the short ResetLock.</summary>
    public TestThread? ShortTry { get; private set; }

    /// <summary>Takes the next sequence number.</summary>
    public long Next() => Interlocked.Increment(ref _sequence);

    /// <inheritdoc/>
    public void OnResetPrepare() { }

    /// <inheritdoc/>
    public void OnHardwareReset(HardwareResetPath path)
    {
        if (HardwareReset != 0)
        {
            return;
        }

        HardwareReset = Next();
        bool acquired = true;
        ShortTry = TestThread.Start("short ResetLock", () =>
        {
            acquired = reset.ResetLock(Bound.Short);
            if (acquired)
            {
                reset.ResetUnlock();
            }
        });
        ShortTryAcquired = !ShortTry.TryJoin() || acquired;

        // Counted after the short try has returned, so a new wait can only be the late locker's.
        long waits = reset.ResetLockWaits;
        LateLocker = TestThread.Start("late ResetLock", () =>
        {
            if (!reset.ResetLock(Bound.Long))
            {
                return;
            }

            LateLockerAcquired = Next();
            reset.ResetUnlock();
        });
        // Hold the hardware step until the late locker is really waiting on this reset (or, wrongly, got in).
        LateLockerWaited = Poll.TryUntil(() => reset.ResetLockWaits > waits || LateLockerAcquired != 0)
            && LateLockerAcquired == 0;
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
