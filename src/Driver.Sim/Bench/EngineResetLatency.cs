using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Uapi;

namespace Driver.Sim.Bench;

/// <summary>
/// Engine reset cost from the hang being acted on to the innocents being back in the engine's queue (park → rewind →
/// replay → unpark: <c>GtReset.ResetEngine</c>), with 1, 100 and 10 000 requests queued behind a hung
/// (non-preemptible) spinner.
/// </summary>
internal static class EngineResetLatency
{
    private static readonly int[] s_depths = [1, 100, 10_000];

    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        Dictionary<int, List<double>> byDepth = s_depths.ToDictionary(d => d, _ => new List<double>());
        for (int r = 0; r < s.Repetitions; r++)
        {
            foreach (int d in s_depths)
            {
                byDepth[d].Add(Measure(d));
            }
        }

        var at1 = Summary.Of(byDepth[1]);
        var at100 = Summary.Of(byDepth[100]);
        var at10k = Summary.Of(byDepth[10_000]);
        // Growth exponent between depth 100 and 10 000: 1.0 is linear.
        double exponent = Math.Log(at10k.Median / at100.Median) / Math.Log(100);
        yield return new BenchFigure
        {
            Id = "engine-reset-1",
            Title = "engine reset, hang → innocents resubmitted, 1 queued",
            Unit = "µs",
            Value = at1,
            ComparisonTitle = "100 queued",
            Comparison = at100,
            Target = "<= 100 µs at depth 1",
            Met = at1.Median <= 100,
        };
        yield return new BenchFigure
        {
            Id = "engine-reset-10000",
            Title = "engine reset, 10 000 queued",
            Unit = "µs",
            Value = at10k,
            ComparisonTitle = "100 queued",
            Comparison = at100,
            Target = "grows no faster than linearly (exponent <= 1.1)",
            Met = exponent <= 1.1,
            Note = $"growth exponent between 100 and 10 000 queued: {exponent:F2}",
        };
    }

    private static double Measure(int depth)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet());
        GpuDevice dev = bd.Device;
        dev.OpenClient(out int client);
        var spin = Spinner.Start(dev, client, new SpinnerOptions { NoPreemption = true });
        if (!spin.WaitStarted(TimeSpan.FromSeconds(5)))
        {
            throw new TimeoutException("spinner did not start");
        }

        GpuContext ctx = bd.NewContext();
        Request? last = null;
        for (int i = 0; i < depth; i++)
        {
            last = bd.Gt.CreateAndSubmit(ctx, EngineId.Rcs0, bd.NopBatch);
        }

        Engine engine = bd.Gt[EngineId.Rcs0];
        long t0 = Stopwatch.GetTimestamp();
        bool reset;
        using (dev.Reset.EngineResetLock(EngineId.Rcs0))
        {
            reset = dev.Reset.ResetEngine(engine, "bench");
        }

        double us = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (!reset)
        {
            throw new InvalidOperationException("engine reset failed");
        }

        if (!last!.Wait(TimeSpan.FromSeconds(30)) || spin.Fence.Status != -Core.Errors.Errno.EIO)
        {
            throw new InvalidOperationException("reset did not complete the hung batch as guilty");
        }

        return us;
    }
}
