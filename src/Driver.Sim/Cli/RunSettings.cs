using Driver.Engines.Gt;
using Driver.Sim.Logging;

namespace Driver.Sim.Cli;

/// <summary>The parsed options of <c>gpusim run</c>.</summary>
public sealed record RunSettings
{
    /// <summary>Scenario file, or null for the embedded default scenario.</summary>
    public string? ScenarioPath { get; init; }

    /// <summary>Where to write the results JSON.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Seed overriding the scenario's.</summary>
    public int? Seed { get; init; }

    /// <summary>Debug logging on the console.</summary>
    public bool Verbose { get; init; }

    /// <summary>Log file (Information and up).</summary>
    public string? LogPath { get; init; }

    /// <summary>Where to write the captured error states' text dumps.</summary>
    public string? ErrorStatePath { get; init; }

    /// <summary>Wedge strategy overriding the scenario's.</summary>
    public WedgeStrategy? WedgeStrategy { get; init; }

    /// <summary>Where to write the Chrome trace-event JSON.</summary>
    public string? TracePath { get; init; }

    /// <summary>Where to write the SVG timeline.</summary>
    public string? TimelinePath { get; init; }

    /// <summary>Format of the log lines.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Kernel;

    /// <summary>No progress display.</summary>
    public bool Quiet { get; init; }

    /// <summary>Run with the lock validator on (also GPUSIM_LOCKDEP=1); any report fails the run.</summary>
    public bool Lockdep { get; init; }
}
