using BenchmarkDotNet.Attributes;
using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Bench;

/// <summary>The fence fast paths: create + signal, error then signal, and signal with one callback.</summary>
[MemoryDiagnoser]
public class FenceBenchmarks
{
    private readonly CountingCallback _callback = new();

    /// <summary>Create and signal a fence nobody waits on.</summary>
    [Benchmark(Baseline = true)]
    public bool CreateAndSignal() => new DmaFence().Signal();

    /// <summary>Set an error, then signal.</summary>
    [Benchmark]
    public bool ErrorThenSignal()
    {
        var f = new DmaFence();
        f.SetErrorOnce(-Errno.EIO);
        return f.Signal();
    }

    /// <summary>Signal with one callback registered (takes the fence lock once on each side).</summary>
    [Benchmark]
    public bool SignalWithCallback()
    {
        var f = new DmaFence();
        f.AddCallback(_callback);
        return f.Signal();
    }

    private sealed class CountingCallback : FenceCallback
    {
        public int Count;
        public override void Invoke(DmaFence fence) => Count++;
    }
}
