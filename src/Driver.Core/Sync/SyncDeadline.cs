using System.Diagnostics;

namespace Driver.Core.Sync;

/// <summary>An absolute point in <see cref="Stopwatch"/> time derived from a relative timeout, or "never".</summary>
internal readonly struct SyncDeadline
{
    private readonly long _expiresAt;

    private SyncDeadline(long expiresAt)
    {
        _expiresAt = expiresAt;
    }

    /// <summary>True for <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    internal bool IsInfinite => _expiresAt == long.MaxValue;

    /// <summary>True once the deadline has passed.</summary>
    internal bool IsExpired => !IsInfinite && Stopwatch.GetTimestamp() >= _expiresAt;

    /// <summary>Time left, clamped to what the BCL wait APIs accept; infinite stays infinite.</summary>
    internal TimeSpan Remaining
    {
        get
        {
            if (IsInfinite)
            {
                return Timeout.InfiniteTimeSpan;
            }

            long ticks = Math.Max(0, _expiresAt - Stopwatch.GetTimestamp());
            TimeSpan left = Stopwatch.GetElapsedTime(0, ticks);
            return left.TotalMilliseconds > int.MaxValue ? TimeSpan.FromMilliseconds(int.MaxValue) : left;
        }
    }

    /// <summary>Starts a deadline <paramref name="timeout"/> from now; infinite for <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative and not infinite.</exception>
    internal static SyncDeadline From(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return new SyncDeadline(long.MaxValue);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        double ticks = timeout.TotalSeconds * Stopwatch.Frequency;
        long now = Stopwatch.GetTimestamp();

        // Saturate instead of overflowing: a timeout of days is effectively infinite anyway.
        return ticks >= long.MaxValue - now - 1 ? new SyncDeadline(long.MaxValue - 1) : new SyncDeadline(now + (long)ticks);
    }
}
