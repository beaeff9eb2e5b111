namespace Driver.Sim.Bench;

/// <summary>Every macro benchmark, in order; each yields its figures with their same-run comparisons.</summary>
public static class BenchSuite
{
    /// <summary>Names of the groups, for <c>--only</c>.</summary>
    public static IReadOnlyList<string> Groups { get; } = ["throughput", "latency", "readside", "wedge", "reset", "hangcheck", "mmap", "lockdep", "scale"];

    /// <summary>
    /// Groups run only when named with <c>--only</c>: "hangcheck" waits out i915's real heartbeat intervals
    /// (about 6 s a measurement).
    /// </summary>
    public static IReadOnlyList<string> OnRequest { get; } = ["hangcheck"];

    /// <summary>
    /// Runs the groups selected (all but <see cref="OnRequest"/> when <paramref name="only"/> is empty), reporting
    /// progress.
    /// </summary>
    public static IReadOnlyList<BenchFigure> Run(BenchSettings settings, IReadOnlyCollection<string> only, Action<string>? progress = null)
    {
        var figures = new List<BenchFigure>();
        foreach (string group in Groups)
        {
            if (only.Count > 0 ? !only.Contains(group) : OnRequest.Contains(group))
            {
                continue;
            }

            progress?.Invoke(group);
            IEnumerable<BenchFigure> run = group switch
            {
                "throughput" => Throughput.Run(settings),
                "latency" => Latency.Run(settings),
                "readside" => ReadSideCost.Run(settings),
                "wedge" => WedgeLatency.Run(settings),
                "reset" => EngineResetLatency.Run(settings),
                "hangcheck" => HangDetection.Run(settings),
                "mmap" => MmapThroughput.Run(settings),
                "scale" => ScaleBench.Run(settings),
                _ => LockCost.Run(settings),
            };
            figures.AddRange(run);
        }
        return figures;
    }
}
