using Driver.Core.Hw;
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

    /// <summary>
    /// Builds the read side around SubmitRequest; null (the default) uses the <see cref="WedgeStrategy"/>'s own. Set
    /// only by benchmarks comparing baselines.
    /// </summary>
    public Func<IntelGt, ISubmitReadSide>? ReadSide { get; init; }

    /// <summary>
    /// Builds each engine; null (the default) builds the simulated <see cref="ExeclistsEngine"/>. Tests of the reset
    /// core supply a mock engine (gt/mock_engine.c).
    /// </summary>
    public Func<EngineId, IntelGt, Engine>? EngineFactory { get; init; }
}
