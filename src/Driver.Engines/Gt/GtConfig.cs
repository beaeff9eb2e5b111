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

    /// <summary>Read side around SubmitRequest; leave at <see cref="SubmitReadSide.Strategy"/> except in benchmarks.</summary>
    public SubmitReadSide SubmitReadSide { get; init; } = SubmitReadSide.Strategy;
}
