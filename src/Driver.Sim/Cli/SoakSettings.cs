using Driver.Engines.Gt;
using Driver.Sim.Logging;

namespace Driver.Sim.Cli;

/// <summary>The parsed options of <c>gpusim soak</c>.</summary>
public sealed record SoakSettings
{
    /// <summary>Seconds of submission and injection.</summary>
    public double Seconds { get; init; } = 10;

    /// <summary>Seed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Submitting threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Wedge strategy.</summary>
    public WedgeStrategy WedgeStrategy { get; init; } = WedgeStrategy.Epoch;

    /// <summary>Where to write the Chrome trace.</summary>
    public string? TracePath { get; init; }

    /// <summary>Where to write the results JSON.</summary>
    public string? JsonPath { get; init; }

    /// <summary>No progress display.</summary>
    public bool Quiet { get; init; }

    /// <summary>Debug logging on the console.</summary>
    public bool Verbose { get; init; }

    /// <summary>Log file.</summary>
    public string? LogPath { get; init; }

    /// <summary>Format of the log lines.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Kernel;

    /// <summary>Cancelled to end the soak early (Ctrl-C); it then drains, verifies and reports what it did.</summary>
    public CancellationToken Interrupt { get; init; }
}
