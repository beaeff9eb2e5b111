using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;

namespace Driver.Sim.Bench;

/// <summary>Nop throughput (submit → execute → fence signalled → retired) and managed allocation per request.</summary>
internal static class Throughput
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        var one = new List<double>();
        var five = new List<double>();
        var bytes = new List<double>();
        var fiveBytes = new List<double>();
        var rings = new List<double>();
        for (int r = 0; r < s.Repetitions; r++)
        {
            (double rate, double perRequest, double ringsPerRequest) = OneEngine(s.ThroughputRequests);
            one.Add(rate);
            bytes.Add(perRequest);
            rings.Add(ringsPerRequest);
            (rate, perRequest) = FiveEnginesTwoSubmitters(s.ThroughputRequests);
            five.Add(rate);
            fiveBytes.Add(perRequest);
        }
        var oneSummary = Summary.Of(one);
        var fiveSummary = Summary.Of(five);
        yield return new BenchFigure
        {
            Id = "nop-throughput",
            Title = "nop throughput, one engine, one submitter",
            Unit = "requests/s",
            Value = oneSummary,
            ComparisonTitle = "all five engines, 2 submitting threads",
            Comparison = fiveSummary,
            Target = ">= 5,000,000 requests/s (issue 17.3)",
            Met = oneSummary.Median >= 5_000_000,
            Note = $"IntelGt.CreateAndSubmit per request, {Window} in flight; the last fence's signal ends the run (engines are FIFO); engine wake-ups (doorbell rings) per request: {Summary.Of(rings).Median:0.####}",
        };
        yield return new BenchFigure
        {
            Id = "nop-throughput-5",
            Title = "nop throughput, five engines, 2 submitting threads",
            Unit = "requests/s",
            Value = fiveSummary,
            ComparisonTitle = "one engine, one submitter",
            Comparison = oneSummary,
            Target = ">= 3,000,000 requests/s (issue 17.3)",
            Met = fiveSummary.Median >= 3_000_000,
            Note = $"round-robin over the engines, each thread its own context and {Window} requests in flight, put as their slot comes round",
        };
        var alloc = Summary.Of(bytes);
        yield return new BenchFigure
        {
            Id = "alloc-per-request",
            Title = "managed allocation per request at steady state",
            Unit = "bytes",
            Value = alloc,
            ComparisonTitle = "five engines, 2 submitters",
            Comparison = Summary.Of(fiveBytes),
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

    private static (double Rate, double BytesPerRequest, double RingsPerRequest) OneEngine(int n)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet());
        GpuContext ctx = bd.NewContext();
        var window = new Request?[Window];
        // Warm up the path (JIT, channel segments, the request slab, the fences' monitors) before measuring.
        Submit(bd, ctx, window, 10 * Window, 0);
        var engine = (ExeclistsEngine)bd.Gt[EngineId.Rcs0];
        long rings0 = engine.DoorbellRings;
        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        long t0 = Stopwatch.GetTimestamp();
        Request last = Submit(bd, ctx, window, n, 10 * Window);
        if (!last.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("throughput run did not finish");
        }

        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        long rings = engine.DoorbellRings - rings0;
        for (int i = 0; i < window.Length; i++)
        {
            window[i]?.Put();
            window[i] = null;
        }

        return (n / seconds, alloc / (double)n, rings / (double)n);
    }

    /// <summary>Waits for the window slot's previous request (if any) and puts it, so its slab entry is reused.</summary>
    private static void PutOldest(Request? old)
    {
        if (old is null)
        {
            return;
        }

        if (!old.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("throughput run did not finish");
        }

        old.Put();
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
            PutOldest(slot);

            slot = last = bd.Gt.CreateAndSubmit(ctx, EngineId.Rcs0, bd.NopBatch);
        }

        return last!;
    }

    /// <summary>
    /// Five engines fed round-robin by two submitting threads, each with its own context and its own window of
    /// <see cref="Window"/> requests in flight, put when their slot comes round (so this run recycles too). Returns the
    /// rate and the managed bytes allocated per request over all threads.
    /// </summary>
    private static (double Rate, double BytesPerRequest) FiveEnginesTwoSubmitters(int n)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet());
        GpuContext[] ctxs = new[] { bd.NewContext(), bd.NewContext() };
        Request?[][] windows = new[] { new Request?[Window], new Request?[Window] };
        // Warm up both submitters' paths (JIT, the five engines' channels, the slab) before measuring.
        for (int t = 0; t < 2; t++)
        {
            SubmitRoundRobin(bd, ctxs[t], windows[t], 2 * Window, 0);
        }

        using var start = new Barrier(3);
        Thread[] threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            SubmitRoundRobin(bd, ctxs[t], windows[t], n / 2, 2 * Window);
        })).ToArray();
        foreach (Thread? th in threads)
        {
            th.Start();
        }

        long alloc0 = GC.GetTotalAllocatedBytes(precise: true);
        start.SignalAndWait();
        long t0 = Stopwatch.GetTimestamp();
        foreach (Thread? th in threads)
        {
            th.Join();
        }

        foreach (Request?[] window in windows)
        {
            foreach (Request? rq in window)
            {
                if (rq is not null && !rq.Wait(TimeSpan.FromSeconds(60)))
                {
                    throw new TimeoutException("throughput run did not finish");
                }
            }
        }

        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        foreach (Request?[] window in windows)
        {
            for (int i = 0; i < window.Length; i++)
            {
                window[i]?.Put();
                window[i] = null;
            }
        }

        return (n / seconds, alloc / (double)n);
    }

    /// <summary>
    /// <see cref="Submit"/> across the five engines in turn (request i on engine i mod 5): waits for the oldest of the
    /// window and puts it before building the next.
    /// </summary>
    private static void SubmitRoundRobin(BenchDevice bd, GpuContext ctx, Request?[] window, int n, int start)
    {
        for (int i = start; i < start + n; i++)
        {
            ref Request? slot = ref window[i % window.Length];
            PutOldest(slot);

            slot = bd.Gt.CreateAndSubmit(ctx, (EngineId)(i % EngineIds.Count), bd.NopBatch);
        }
    }
}
