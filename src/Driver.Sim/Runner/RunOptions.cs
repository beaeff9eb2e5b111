using Driver.Engines.Gt;
using Driver.Sim.Tracing;
using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Runner;

/// <summary>Overrides and plumbing for one scenario run (the CLI's flags).</summary>
public sealed record RunOptions
{
    /// <summary>Seed overriding the scenario's.</summary>
    public int? Seed { get; init; }

    /// <summary>Wedge strategy overriding the scenario's.</summary>
    public WedgeStrategy? WedgeStrategy { get; init; }

    /// <summary>Logger for the device and the runner; none when null.</summary>
    public ILogger? Log { get; init; }

    /// <summary>Records the run for a trace: attached to the device before any work, detached after the drain.</summary>
    public TraceRecorder? Trace { get; init; }

    /// <summary>Told about the device and the planned request count once the run starts, for a progress display.</summary>
    public RunProgress? Progress { get; init; }

    /// <summary>
    /// Test hook: runs after the drain, before the stores are verified (a test corrupts memory here to prove the
    /// verification notices).
    /// </summary>
    internal Action<GpuDevice>? BeforeVerify { get; init; }
}
