namespace Driver.Igt.Lib;

/// <summary>
/// IGT's timings for the simulator. The simulated devices detect hangs within tens of milliseconds
/// (<see cref="Uapi.DeviceConfig.Fast"/>), so the delays, observation windows and run lengths of the originals are cut
/// by <see cref="Scale"/>, keeping their ratios to each other. Upper bounds on how long the driver may take to
/// recover are kept as IGT has them (<see cref="Limit"/>): the simulator's latencies are set by how soon the host
/// schedules its threads, which a loaded machine does not speed up. Waits IGT makes without a bound get
/// <see cref="Forever"/>.
/// </summary>
public static class IgtTime
{
    /// <summary>Factor applied to every IGT duration.</summary>
    public const double Scale = 0.25;

    /// <summary>An IGT duration in seconds, scaled.</summary>
    public static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds * Scale);

    /// <summary>An IGT duration in milliseconds, scaled.</summary>
    public static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds * Scale);

    /// <summary>An IGT duration in microseconds, scaled.</summary>
    public static TimeSpan Us(double microseconds) => TimeSpan.FromTicks((long)(microseconds * Scale * 10));

    /// <summary>An upper bound IGT puts on the driver's recovery, in seconds, kept unscaled (see the class summary).</summary>
    public static TimeSpan Limit(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>
    /// The bound on waits IGT makes without one (gem_sync, a spinner's start): long enough never to be reached on a
    /// loaded machine unless something is stuck, short enough that a stuck subtest fails instead of hanging the run.
    /// </summary>
    public static readonly TimeSpan Forever = TimeSpan.FromSeconds(10);

    /// <summary>A timespan in nanoseconds (the uAPI's wait unit).</summary>
    public static long Ns(TimeSpan t) => t.Ticks * 100;
}
