namespace Driver.Sim.Bench;

/// <summary>What <c>gpusim bench</c> was asked to do.</summary>
public sealed record BenchRequest
{
    /// <summary>Fewer repetitions and smaller runs.</summary>
    public bool Quick { get; init; }

    /// <summary>Where to write the figures as JSON (<c>-</c> for stdout); null for nowhere.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Only these groups; all when empty.</summary>
    public IReadOnlyCollection<string> Only { get; init; } = [];

    /// <summary>Where to write the scale group's log-log plot as SVG; null for nowhere.</summary>
    public string? SvgPath { get; init; }

    /// <summary>No progress display or lines.</summary>
    public bool Quiet { get; init; }

    /// <summary>Measure a Debug build anyway.</summary>
    public bool AllowDebug { get; init; }

    /// <summary>The command line after <c>bench</c>, for the Release command a Debug build suggests.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];
}
