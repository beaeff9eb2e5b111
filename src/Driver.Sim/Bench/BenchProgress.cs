using Driver.Sim.Progress;

namespace Driver.Sim.Bench;

/// <summary>Where <c>gpusim bench</c> stands: the group running and how many came before it.</summary>
internal sealed class BenchProgress(int groups) : IProgressSource
{
    private volatile string _group = "starting";
    private int _started;

    /// <summary>Called as group <paramref name="group"/> starts.</summary>
    public void Started(string group)
    {
        _group = group;
        Interlocked.Increment(ref _started);
    }

    /// <inheritdoc/>
    public ProgressSnapshot Read() => new($"bench {_group}", Math.Max(0, Volatile.Read(ref _started) - 1), groups) { Unit = "groups" };
}
