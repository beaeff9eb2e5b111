using System.Diagnostics;

namespace Driver.Sim.Soak;

/// <summary>
/// The soak's deadlock watchdog: sampled now and then, it compares a progress counter (soak fences signalled plus
/// requests completed) with its last value. Work outstanding (submitted fences not yet signalled) while the counter
/// has not moved for <see cref="Bound"/> is a deadlock: nothing the driver does (hang detection, engine and full
/// resets, wedging) takes that long, so something waits on something that will never come.
/// </summary>
internal sealed class SoakWatchdog(TimeSpan bound, Func<long> progress, Func<long> outstanding)
{
    private long _lastProgress = long.MinValue;
    private long _lastMoved;

    /// <summary>The bound on no progress while work is outstanding.</summary>
    public TimeSpan Bound => bound;

    /// <summary>
    /// Samples the counters at <paramref name="now"/> (a Stopwatch timestamp); true when work has been outstanding
    /// with no progress for longer than the bound. Idle time (nothing outstanding) never counts.
    /// </summary>
    public bool Stalled(long now)
    {
        long p = progress();
        if (p != _lastProgress || outstanding() <= 0)
        {
            _lastProgress = p;
            _lastMoved = now;
            return false;
        }

        return now - _lastMoved > (long)(bound.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Seconds since the progress counter last moved (or the work was last all done).</summary>
    public double SecondsStalled(long now) => (now - _lastMoved) / (double)Stopwatch.Frequency;
}
