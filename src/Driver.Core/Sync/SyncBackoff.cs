namespace Driver.Core.Sync;

/// <summary>
/// Spin, then yield, then sleep: grace periods are usually over within nanoseconds, but on an
/// oversubscribed machine the reader we wait for may be descheduled and needs our CPU.
/// </summary>
internal struct SyncBackoff
{
    private const int SleepAfter = 40;
    private SpinWait _spin;

    /// <summary>True once plain spinning has failed; expensive checks (is the thread alive?) belong here.</summary>
    internal readonly bool IsSlow => _spin.Count >= 10;

    /// <summary>Waits a little longer than last time.</summary>
    internal void Wait()
    {
        if (_spin.Count < SleepAfter)
        {
            // sleep1Threshold -1: SpinWait spins, then Thread.Yield/Sleep(0), but never Sleep(1) itself.
            _spin.SpinOnce(sleep1Threshold: -1);
        }
        else
        {
            Thread.Sleep(1);
        }
    }
}
