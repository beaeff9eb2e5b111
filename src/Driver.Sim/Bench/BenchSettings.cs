namespace Driver.Sim.Bench;

/// <summary>Sizes of a bench run: <c>--quick</c> keeps the whole run under a minute on 2 cores.</summary>
public sealed record BenchSettings(bool Quick)
{
    /// <summary>Repetitions of each measurement (median and spread are taken over these).</summary>
    public int Repetitions => Quick ? 5 : 9;
    /// <summary>Requests per throughput run.</summary>
    public int ThroughputRequests => Quick ? 200_000 : 1_000_000;
    /// <summary>Latency samples.</summary>
    public int LatencySamples => Quick ? 1_000 : 5_000;
    /// <summary>Lock/unlock pairs per lock-cost run.</summary>
    public int LockIterations => Quick ? 2_000_000 : 10_000_000;
    /// <summary>Queued requests per engine in the wedge benchmark.</summary>
    public int WedgeQueued => 1_000;
    /// <summary>Sizes and work of the scale group.</summary>
    public ScaleSizes Scale { get; init; } = Quick ? ScaleSizes.Quick : ScaleSizes.Full;
    /// <summary>Called with the scale group's report (its table and plot), when that group runs.</summary>
    public Action<ScaleReport>? ScaleReported { get; init; }
}
