using Driver.Engines.Gt;
using Driver.Sim.Tracing;
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
}
