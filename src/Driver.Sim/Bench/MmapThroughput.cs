using Driver.Reset.Mmap;
using Driver.Sim.Glitch;

namespace Driver.Sim.Bench;

/// <summary>
/// GTT mmap access throughput outside resets under each reset policy (gem_mmap_gtt@hang's access loop with no
/// resets): what each policy costs every CPU access when nothing is going wrong.
/// </summary>
internal static class MmapThroughput
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        MmapResetPolicy[] policies = new[] { MmapResetPolicy.Glitch, MmapResetPolicy.StopMachine, MmapResetPolicy.Revoke };
        Dictionary<MmapResetPolicy, List<double>> rates = policies.ToDictionary(p => p, _ => new List<double>());
        var duration = TimeSpan.FromMilliseconds(s.Quick ? 250 : 1000);
        for (int r = 0; r < s.Repetitions; r++)
        {
            foreach (MmapResetPolicy p in policies)
            {
                rates[p].Add(GlitchRunner.Run(new GlitchOptions { Policy = p, Duration = duration, Threads = 2, Resets = false }).AccessesPerSecond);
            }
        }

        var glitch = Summary.Of(rates[MmapResetPolicy.Glitch]);
        var revoke = Summary.Of(rates[MmapResetPolicy.Revoke]);
        yield return new BenchFigure
        {
            Id = "mmap-revoke",
            Title = "GTT mmap accesses outside resets, revoke",
            Unit = "accesses/s",
            Value = revoke,
            ComparisonTitle = "glitch (no protection)",
            Comparison = glitch,
            Target = "revoke >= 0.95x glitch",
            Met = revoke.Median >= glitch.Median * 0.95,
            Note = "2 threads, X- and Y-tiled objects, pattern write + read-back loop",
        };
        yield return new BenchFigure
        {
            Id = "mmap-stop-machine",
            Title = "GTT mmap accesses outside resets, stop-machine",
            Unit = "accesses/s",
            Value = Summary.Of(rates[MmapResetPolicy.StopMachine]),
            ComparisonTitle = "glitch (no protection)",
            Comparison = glitch,
            Target = "reported",
        };
    }
}
