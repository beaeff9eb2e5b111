using System.Diagnostics;
using System.Globalization;
using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Uapi;

namespace Driver.Sim.Bench;

/// <summary>
/// The <c>scale</c> group (issue 17 item 5): how nop throughput and submit → signal latency grow with the number of
/// engines, clients and contexts, and how recovery time grows with the number of queued requests. Every cost is
/// measured on a fresh device; the report (<see cref="ScaleReport"/>) gives each series' growth exponent.
/// </summary>
/// <remarks>
/// A load point: nop requests submitted through IntelGt.CreateAndSubmit, round-robin over the point's engines and
/// contexts, by one thread per client, with <see cref="ScaleSizes.InFlight"/> requests in flight in total (each
/// thread waits for its oldest before building another, and puts it: the ring's throttle, and the request slab
/// recycles). Throughput is reported as its cost, ns per request (wall time / requests); latency is the median of
/// every request's creation → signal time, under that load. Recovery: a spinner on rcs0 with n nop requests queued
/// behind it, then SetWedged, to the last fence signalled.
/// </remarks>
internal static class ScaleBench
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        ScaleReport report = Measure(s.Scale);
        s.ScaleReported?.Invoke(report);
        foreach (ScaleSeries series in report.Series)
        {
            double k = series.Exponent;
            yield return new BenchFigure
            {
                Id = $"scale-{series.Id}",
                Title = $"scale: {series.Title}, growth exponent",
                Unit = "k (cost ∝ n^k)",
                Value = new Summary(k, k, k, 1),
                Target = "reported",
                Note = string.Join(", ", series.Points.Select(p =>
                    string.Create(CultureInfo.InvariantCulture, $"{series.Size} {p.N:N0}: {ScaleReport.Format(p.Value)} {series.Unit}"))),
            };
        }
    }

    /// <summary>Measures every series at <paramref name="sizes"/>.</summary>
    public static ScaleReport Measure(ScaleSizes sizes)
    {
        var series = new List<ScaleSeries>();
        void Load(string id, string size, IReadOnlyList<int> ns, Func<int, (int Engines, int Clients, int Contexts)> shape)
        {
            var cost = new List<ScalePoint>();
            var latency = new List<ScalePoint>();
            foreach (int n in ns)
            {
                (int engines, int clients, int contexts) = shape(n);
                var costs = new List<double>();
                var latencies = new List<double>();
                for (int r = 0; r < sizes.Repetitions; r++)
                {
                    (double nsPerRequest, double latencyUs) = LoadPoint(engines, clients, contexts, sizes);
                    costs.Add(nsPerRequest);
                    latencies.Add(latencyUs);
                }

                cost.Add(new ScalePoint(n, Summary.Of(costs).Median));
                latency.Add(new ScalePoint(n, Summary.Of(latencies).Median));
            }

            series.Add(new ScaleSeries { Id = $"{id}-throughput", Title = $"{id}: time per request", Size = size, Unit = "ns/request", Points = cost });
            series.Add(new ScaleSeries { Id = $"{id}-latency", Title = $"{id}: submit → signal latency (median)", Size = size, Unit = "µs", Points = latency });
        }

        // Warm-up points, every path the series take: the first devices of a process pay for JIT compilation.
        LoadPoint(1, 1, 1, sizes);
        LoadPoint(sizes.Engines.Max(), Math.Min(4, sizes.Clients.Max()), 16, sizes);
        Load("engines", "engines", sizes.Engines, n => (n, 1, 1));
        Load("clients", "clients", sizes.Clients, n => (1, n, n));
        Load("contexts", "contexts", sizes.Contexts, n => (1, 1, n));

        var recovery = new List<ScalePoint>();
        Recovery(1);
        foreach (int n in sizes.Queued)
        {
            var ms = new List<double>();
            for (int r = 0; r < sizes.Repetitions; r++)
            {
                ms.Add(Recovery(n));
            }

            recovery.Add(new ScalePoint(n, Summary.Of(ms).Median));
        }

        series.Add(new ScaleSeries { Id = "queued-recovery", Title = "queued: wedge → every fence signalled", Size = "queued", Unit = "ms", Points = recovery });
        return new ScaleReport(series);
    }

    /// <summary>One load point; returns (ns per request, median creation → signal µs).</summary>
    private static (double NsPerRequest, double LatencyUs) LoadPoint(int engines, int clients, int contexts, ScaleSizes sizes)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet());
        int perThread = Math.Max(1, sizes.Requests / clients);
        int window = Math.Max(1, sizes.InFlight / clients);
        // Contexts dealt out to the clients; every thread cycles through its own.
        var ctxs = new GpuContext[clients][];
        for (int c = 0; c < clients; c++)
        {
            Client client = bd.NewClient($"scale{c}");
            int mine = Math.Max(1, contexts / clients + (c < contexts % clients ? 1 : 0));
            ctxs[c] = Enumerable.Range(0, mine).Select(_ => client.CreateContext()).ToArray();
        }

        double[][] latencies = new double[clients][];
        using var start = new Barrier(clients + 1);
        var threads = new Thread[clients];
        for (int c = 0; c < clients; c++)
        {
            int t = c;
            latencies[t] = new double[perThread];
            threads[t] = new Thread(() =>
            {
                start.SignalAndWait();
                var inFlight = new Request?[window];
                GpuContext[] mineCtxs = ctxs[t];
                double[] lat = latencies[t];
                int done = 0;
                for (int i = 0; i < perThread; i++)
                {
                    ref Request? slot = ref inFlight[i % window];
                    if (slot is { } old)
                    {
                        lat[done++] = Retire(old);
                    }

                    slot = bd.Gt.CreateAndSubmit(mineCtxs[i % mineCtxs.Length], (EngineId)((i + t) % engines), bd.NopBatch);
                }

                for (int i = 0; i < window; i++)
                {
                    if (inFlight[i] is { } rq)
                    {
                        lat[done++] = Retire(rq);
                    }
                }
            })
            { IsBackground = true, Name = $"scale-client{t}" };
            threads[t].Start();
        }

        start.SignalAndWait();
        long t0 = Stopwatch.GetTimestamp();
        foreach (Thread th in threads)
        {
            if (!th.Join(TimeSpan.FromSeconds(120)))
            {
                throw new TimeoutException("scale load point did not finish");
            }
        }

        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        double[] all = latencies.SelectMany(l => l).Order().ToArray();
        return (seconds * 1e9 / (perThread * (double)clients), all[all.Length / 2]);
    }

    /// <summary>Waits for a request, notes its creation → signal time in µs, and puts the submitter's reference.</summary>
    private static double Retire(Request rq)
    {
        if (!rq.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"{rq} did not signal");
        }

        double us = (rq.SignalTimestamp - rq.CreatedTimestamp) * 1e6 / Stopwatch.Frequency;
        rq.Put();
        return us;
    }

    /// <summary>Recovery with <paramref name="queued"/> requests behind a spinner on rcs0: SetWedged → last signal, ms.</summary>
    private static double Recovery(int queued)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet());
        GpuDevice dev = bd.Device;
        dev.OpenClient(out int client);
        var spinner = Spinner.Start(dev, client, new SpinnerOptions { Engine = EngineId.Rcs0 });
        if (!spinner.WaitStarted(TimeSpan.FromSeconds(5)))
        {
            throw new TimeoutException("the spinner did not start");
        }

        GpuContext ctx = bd.NewContext();
        var fences = new List<DmaFence>(queued + 1) { spinner.Fence };
        for (int i = 0; i < queued; i++)
        {
            fences.Add(bd.Gt.CreateAndSubmit(ctx, EngineId.Rcs0, bd.NopBatch));
        }

        long wedgeStart = Stopwatch.GetTimestamp();
        dev.Wedge("bench scale");
        long lastSignal = wedgeStart;
        foreach (DmaFence f in fences)
        {
            if (!f.Wait(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException("a fence was not signalled by the wedge");
            }

            lastSignal = Math.Max(lastSignal, f.SignalTimestamp);
        }

        return (lastSignal - wedgeStart) * 1000.0 / Stopwatch.Frequency;
    }
}
