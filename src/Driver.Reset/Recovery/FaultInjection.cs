namespace Driver.Reset.Recovery;

/// <summary>
/// Knobs that make recovery fail on purpose, like i915's selftest and debugfs hooks. Counters count down as the
/// failures are consumed; all are thread-safe.
/// </summary>
public sealed class FaultInjection
{
    private int _engineResetFailures;
    private int _fullResetFailures;
    private int _fullResetHangs;

    /// <summary>The next <paramref name="count"/> engine resets fail at the hardware step (and escalate).</summary>
    public void FailEngineResets(int count) => Volatile.Write(ref _engineResetFailures, count);

    /// <summary>The next <paramref name="count"/> full-reset hardware attempts time out (each retry consumes one).</summary>
    public void FailFullResets(int count) => Volatile.Write(ref _fullResetFailures, count);

    /// <summary>The next <paramref name="count"/> full resets hang until the wedge-on-timeout watchdog fires.</summary>
    public void HangFullResets(int count) => Volatile.Write(ref _fullResetHangs, count);

    /// <summary>Consumes one engine-reset failure if armed.</summary>
    public bool TakeEngineResetFailure() => TakeOne(ref _engineResetFailures);

    /// <summary>Consumes one full-reset failure if armed.</summary>
    public bool TakeFullResetFailure() => TakeOne(ref _fullResetFailures);

    /// <summary>Consumes one full-reset hang if armed.</summary>
    public bool TakeFullResetHang() => TakeOne(ref _fullResetHangs);

    private static bool TakeOne(ref int counter)
    {
        int n = Volatile.Read(ref counter);
        while (n > 0)
        {
            int seen = Interlocked.CompareExchange(ref counter, n - 1, n);
            if (seen == n)
            {
                return true;
            }

            n = seen;
        }
        return false;
    }
}
