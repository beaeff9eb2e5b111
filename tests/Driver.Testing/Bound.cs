namespace Driver.Testing;

/// <summary>
/// The bounds every test waits with, in one place. A bound is never a timing target: a wait that must succeed gets
/// <see cref="Long"/>, far beyond anything a loaded 2-core machine needs, so reaching it means something is stuck; a
/// wait that must time out (a negative check) gets <see cref="Short"/>, so the suite stays fast.
/// </summary>
public static class Bound
{
    /// <summary>For waits that must succeed: generous, so a loaded CI machine does not fail them.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    /// <summary>For waits that must time out (negative checks): short, so the suite stays fast.</summary>
    public static readonly TimeSpan Short = TimeSpan.FromMilliseconds(100);

    /// <summary><see cref="Long"/> in nanoseconds, for the uAPI's wait ioctls.</summary>
    public static long LongNs => (long)Long.TotalNanoseconds;
}
