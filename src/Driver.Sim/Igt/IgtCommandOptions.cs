namespace Driver.Sim.Igt;

/// <summary>What <c>gpusim igt</c> was asked to do.</summary>
public sealed record IgtCommandOptions
{
    /// <summary>Print the matching subtests' names instead of running them.</summary>
    public bool ListSubtests { get; init; }

    /// <summary>Comma-separated fnmatch globs over binary@subtest or igt@binary@subtest; null for every subtest.</summary>
    public string? RunSubtest { get; init; }

    /// <summary>Only run dynamic subtests matching these globs.</summary>
    public string? DynamicSubtest { get; init; }

    /// <summary>Write results.json here.</summary>
    public string? ResultsDirectory { get; init; }

    /// <summary>The run's name in results.json.</summary>
    public string Name { get; init; } = "gpusim-igt";

    /// <summary>Print the test list with descriptions instead of running.</summary>
    public bool ShowTestlist { get; init; }

    /// <summary>Describe the subtests matching this glob ("*" for all) instead of running; null when not asked.</summary>
    public string? Describe { get; init; }

    /// <summary>Print debug lines as they are logged.</summary>
    public bool Debug { get; init; }

    /// <summary>Abandon a subtest still running after this long.</summary>
    public TimeSpan PerTestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Write a Chrome trace of every subtest's device here (<c>--trace</c>); null for none.</summary>
    public string? TracePath { get; init; }
}
