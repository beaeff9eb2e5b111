namespace Driver.Sim.Drm;

/// <summary>What <c>gpusim igt-run</c> was asked to do.</summary>
public sealed record IgtRunSettings
{
    /// <summary>The IGT binary.</summary>
    public required string Binary { get; init; }

    /// <summary>Its arguments (everything gpusim did not recognise, in order).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Write results.json here; null for none.</summary>
    public string? ResultsDirectory { get; init; }

    /// <summary>The run's name in results.json; null for one from the binary's name.</summary>
    public string? Name { get; init; }

    /// <summary>The <c>--driver</c>.</summary>
    public string Driver { get; init; } = DrmDrivers.Default;

    /// <summary>The device's memory in MiB (<c>--memory-mb</c>).</summary>
    public int MemoryMb { get; init; } = DrmDrivers.DefaultMemoryMb;

    /// <summary>The server's log file; null for none.</summary>
    public string? ServerLog { get; init; }

    /// <summary>Stop the binary after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(900);
}
