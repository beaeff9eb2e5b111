namespace Driver.Sim.Progress;

/// <summary>
/// Where long work stands: what it is doing, units done out of the total planned (requests, or steps), and for work
/// on a device the resets and wedges so far (null where that means nothing, as for benchmarks).
/// </summary>
public sealed record ProgressSnapshot(string Label, long Done, long Total, long? Resets = null, long? Wedges = null)
{
    /// <summary>Unit of <see cref="Done"/> and <see cref="Total"/> ("requests").</summary>
    public string Unit { get; init; } = "requests";

    /// <summary>More to show after the count ("12,345 requests done"), or null.</summary>
    public string? Detail { get; init; }
}
