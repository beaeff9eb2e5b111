using Driver.Engines.Execution;

namespace Driver.Engines.Gt;

/// <summary>Size and behaviour of a simulated GT.</summary>
public sealed record GtConfig
{
    /// <summary>Device memory in bytes.</summary>
    public long MemoryBytes { get; init; } = 512L << 20;

    /// <summary>GGTT address space in bytes.</summary>
    public long GgttBytes { get; init; } = 1L << 30;

    /// <summary>Engine behaviour.</summary>
    public EngineOptions Engine { get; init; } = new();

    /// <summary>Engines (mask of EngineId bits) that busy-poll when idle instead of sleeping: lowest latency, a core each.</summary>
    public uint BusyPollEngines { get; init; }

    /// <summary>How submission is protected against the wedge's handler swap.</summary>
    public WedgeStrategy WedgeStrategy { get; init; } = WedgeStrategy.Epoch;

    /// <summary>
    /// How long a request waits for a foreign in-fence (one not of this GT: vgem, another device, a sync file) before
    /// it stops waiting with -ETIMEDOUT and runs (I915_FENCE_TIMEOUT, 10 s). The GT's own requests are waited for
    /// without a bound: hang recovery ends them.
    /// </summary>
    public TimeSpan ForeignFenceTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Read side around SubmitRequest; leave at <see cref="SubmitReadSide.Strategy"/> except in benchmarks.</summary>
    public SubmitReadSide SubmitReadSide { get; init; } = SubmitReadSide.Strategy;
}
