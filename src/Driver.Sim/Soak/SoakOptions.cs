using Driver.Engines.Gt;
using Driver.Sim.Tracing;
using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Soak;

/// <summary>What a soak run does: how long, with which seed and how many submitting threads, on which device.</summary>
public sealed record SoakOptions
{
    /// <summary>How long the submitters and the injector run (the drain comes after).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Seed of every random choice (the interleaving is still up to the scheduler).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Submitting threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Wedge strategy of the device.</summary>
    public WedgeStrategy WedgeStrategy { get; init; } = WedgeStrategy.Epoch;

    /// <summary>Bound on the final drain.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Logger of the device; none when null.</summary>
    public ILogger? Log { get; init; }

    /// <summary>Records the soak for a trace, when set.</summary>
    public TraceRecorder? Trace { get; init; }

    /// <summary>Told about the device when the soak starts, for a progress display.</summary>
    public SoakProgress? Progress { get; init; }

    /// <summary>Ends the submission phase before <see cref="Duration"/> (Ctrl-C); the drain and checks still run.</summary>
    public CancellationToken Stop { get; init; }

    /// <summary>
    /// Bound on every soak thread finishing once the stop was requested, counted from that request (not from the
    /// start: a soak may run for hours). A thread still running then is reported as a deadlock and nothing is torn
    /// down under it.
    /// </summary>
    public TimeSpan JoinBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on a submitter waiting for one round's fences before handing the round to the final drain.</summary>
    public TimeSpan RoundWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The deadlock watchdog's bound: no soak fence signalled and no request completed for this long while work is
    /// outstanding is a deadlock (the state of every engine, client and reset flag is reported and the soak fails).
    /// Hang detection, resets and wedges all finish far within it.
    /// </summary>
    public TimeSpan WatchdogBound { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Runs the soak with the lock validator on (its reports are counted and fail the soak).</summary>
    public bool Lockdep { get; init; } = true;

    /// <summary>Tests only: called by submitter <c>index</c> before each round, on its thread.</summary>
    internal Action<GpuDevice, int>? BeforeRound { get; init; }
}
