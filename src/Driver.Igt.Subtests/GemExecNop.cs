using System.Diagnostics;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// gem_exec_nop@basic-series: submission throughput. Nop batches on each engine in turn, then on all engines in
/// series; prints the microseconds per nop, with no bound on them (the simulator's speed depends on the host).
/// Every nop must complete without error.
/// </summary>
public sealed class GemExecNop : IIgtBinary
{
    /// <inheritdoc/>
    public string Name => "gem_exec_nop";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b) =>
        b.Subtest("basic-series", BasicSeries, IgtExpectations.None, "Time nop submissions on each engine, then on all engines in series");

    private static void BasicSeries(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        int handle = IgtGem.BatchEnd(t, dev, fd);
        // IGT runs each loop for 2 s; scaled down further here, the count is what matters.
        TimeSpan duration = IgtTime.Seconds(2) / 5;
        foreach (EngineId e in EngineIds.All)
        {
            (long cycles, TimeSpan elapsed) = Loop(t, dev, fd, handle, [e], duration);
            t.Info($"{e.Name()}: {cycles:N0} cycles: {elapsed.TotalMicroseconds / cycles:F3}us");
        }
        (long all, TimeSpan allElapsed) = Loop(t, dev, fd, handle, EngineIds.All, duration);
        t.Info($"All ({EngineIds.Count} engines): {all:N0} cycles, average {allElapsed.TotalMicroseconds / all:F3}us per cycle");
        IgtGem.Close(t, dev, fd, handle);
    }

    /// <summary>Submits nops round-robin over <paramref name="engines"/> in batches of 64 until <paramref name="duration"/>; the count and the time.</summary>
    private static (long Cycles, TimeSpan Elapsed) Loop(IgtContext t, GpuDevice dev, int fd, int handle, IReadOnlyList<EngineId> engines, TimeSpan duration)
    {
        long cycles = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            DmaFence? last = null;
            var fences = new List<DmaFence>(64);
            for (int i = 0; i < 64; i++)
            {
                last = IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = (int)engines[i % engines.Count], BatchHandle = handle });
                fences.Add(last);
            }
            foreach (DmaFence f in fences)
            {
                t.AssertEq(IgtSync.Wait(f, IgtTime.Forever), 0);
                t.AssertEq(f.Status, 1);
            }
            cycles += fences.Count;
        } while (sw.Elapsed < duration);
        return (cycles, sw.Elapsed);
    }
}
