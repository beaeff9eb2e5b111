using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;

namespace Driver.Sim.Bench;

/// <summary>Nop throughput (submit → execute → fence signalled → retired) and managed allocation per request.</summary>
internal static class Throughput
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        var one = new List<double>();
        var five = new List<double>();
        var bytes = new List<double>();
        for (int r = 0; r < s.Repetitions; r++)
        {
            (double rate, double perRequest) = OneEngine(s.ThroughputRequests);
            one.Add(rate);
            bytes.Add(perRequest);
            five.Add(FiveEnginesTwoSubmitters(s.ThroughputRequests));
        }
        var oneSummary = Summary.Of(one);
        yield return new BenchFigure
        {
            Id = "nop-throughput",
            Title = "nop throughput, one engine, one submitter",
            Unit = "requests/s",
            Value = oneSummary,
            ComparisonTitle = "all five engines, 2 submitting threads",
            Comparison = Summary.Of(five),
            Target = ">= 2,000,000 requests/s",
            Met = oneSummary.Median >= 2_000_000,
            Note = "IntelGt.CreateAndSubmit per request; the last fence's signal ends the run (engines are FIFO)",
        };
        var alloc = Summary.Of(bytes);
        yield return new BenchFigure
        {
            Id = "alloc-per-request",
            Title = "managed allocation per request at steady state",
            Unit = "bytes",
            Value = alloc,
            Target = "0 bytes (under 1 B averaged)",
            Met = alloc.Median < 1,
            Note = $"GC.GetTotalAllocatedBytes over the one-engine run, all threads; {Window} requests in flight, each put when its slot is reused (recycled through IntelGt.Requests)",
        };
    }

    /// <summary>
    /// Requests the one-engine submitter keeps in flight: like a ring's space (intel_ring wait_for_space), it waits
    /// for the oldest of them before it builds another, and puts its reference then, so the request goes back to the
    /// GT's request slab and the steady state recycles instead of allocating.
    /// </summary>
    internal const int Window = 1024;

    private static (double Rate, double BytesPerRequest) OneEngine(int n)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet());
        GpuContext ctx = bd.NewContext();
        var window = new Request?[Window];
        // Warm up the path (JIT, channel segments, the request slab, the fences' monitors) before measuring.
        Submit(bd, ctx, window, 10 * Window, 0);
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        long t0 = Stopwatch.GetTimestamp();
        Request last = Submit(bd, ctx, window, n, 10 * Window);
        if (!last.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("throughput run did not finish");
        }

        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        for (int i = 0; i < window.Length; i++)
        {
            window[i]?.Put();
            window[i] = null;
        }

        return (n / seconds, alloc / (double)n);
    }

    /// <summary>
    /// Submits <paramref name="n"/> nop requests keeping at most <see cref="Window"/> in flight; returns the last one
    /// (still referenced by the window).
    /// </summary>
    internal static Request Submit(BenchDevice bd, GpuContext ctx, Request?[] window, int n, int start)
    {
        Request? last = null;
        for (int i = start; i < start + n; i++)
        {
            ref Request? slot = ref window[i % window.Length];
            if (slot is { } old)
            {
                if (!old.Wait(TimeSpan.FromSeconds(60)))
                {
                    throw new TimeoutException("throughput run did not finish");
                }

                old.Put();
            }

            slot = last = bd.Gt.CreateAndSubmit(ctx, EngineId.Rcs0, bd.NopBatch);
        }

        return last!;
    }

    private static double FiveEnginesTwoSubmitters(int n)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet());
        GpuContext[] ctxs = new[] { bd.NewContext(), bd.NewContext() };
        var lasts = new Request?[2, EngineIds.Count];
        using var start = new Barrier(3);
        Thread[] threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < n / 2; i++)
            {
                int e = i % EngineIds.Count;
                lasts[t, e] = bd.Gt.CreateAndSubmit(ctxs[t], (EngineId)e, bd.NopBatch);
            }
        })).ToArray();
        foreach (Thread? th in threads)
        {
            th.Start();
        }

        start.SignalAndWait();
        long t0 = Stopwatch.GetTimestamp();
        foreach (Thread? th in threads)
        {
            th.Join();
        }

        foreach (Request? rq in lasts)
        {
            if (rq is not null && !rq.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("throughput run did not finish");
            }
        }

        return n / Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
