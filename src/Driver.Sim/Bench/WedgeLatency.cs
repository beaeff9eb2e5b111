using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Gt;
using Driver.Uapi;

namespace Driver.Sim.Bench;

/// <summary>
/// Wedge latency, epoch versus stop-machine: SetWedged → every fence signalled, with a spinner and 1000 queued
/// requests on each of the five engines and four threads submitting throughout; and the submitters' throughput
/// under each strategy outside wedging (the price each read side puts on every submission).
/// </summary>
internal static class WedgeLatency
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        var wedge = new Dictionary<WedgeStrategy, List<double>> { [WedgeStrategy.Epoch] = new(), [WedgeStrategy.StopMachine] = new() };
        var swap = new Dictionary<WedgeStrategy, List<double>> { [WedgeStrategy.Epoch] = new(), [WedgeStrategy.StopMachine] = new() };
        var rate = new Dictionary<WedgeStrategy, List<double>> { [WedgeStrategy.Epoch] = new(), [WedgeStrategy.StopMachine] = new() };
        int reps = Math.Max(3, s.Repetitions / 2);
        // One untimed round per strategy: the first wedge of a process pays for JIT compilation.
        foreach (WedgeStrategy strategy in wedge.Keys)
        {
            MeasureWedge(strategy, s.WedgeQueued);
        }

        for (int r = 0; r < reps; r++)
        {
            foreach (WedgeStrategy strategy in wedge.Keys)
            {
                (double w, double sw) = MeasureWedge(strategy, s.WedgeQueued);
                wedge[strategy].Add(w);
                swap[strategy].Add(sw);
                rate[strategy].Add(SubmitRate(strategy, s.ThroughputRequests / 4));
            }
        }
        var epoch = Summary.Of(wedge[WedgeStrategy.Epoch]);
        yield return new BenchFigure
        {
            Id = "wedge-latency",
            Title = "wedge: SetWedged → every fence signalled (epoch)",
            Unit = "ms",
            Value = epoch,
            ComparisonTitle = "stop-machine",
            Comparison = Summary.Of(wedge[WedgeStrategy.StopMachine]),
            Target = "epoch <= 2 ms",
            Met = epoch.Median <= 2,
            Note = "5 engines x (spinner + 1000 queued), 4 threads submitting during the wedge",
        };
        yield return new BenchFigure
        {
            Id = "wedge-swap",
            Title = "wedge: handler swap + grace period (epoch)",
            Unit = "µs",
            Value = Summary.Of(swap[WedgeStrategy.Epoch]),
            ComparisonTitle = "swap inside stop_machine",
            Comparison = Summary.Of(swap[WedgeStrategy.StopMachine]),
            Target = "reported",
        };
        yield return new BenchFigure
        {
            Id = "wedge-submit-rate",
            Title = "4 submitters' throughput outside wedging, epoch read side",
            Unit = "requests/s",
            Value = Summary.Of(rate[WedgeStrategy.Epoch]),
            ComparisonTitle = "stop-machine region read side",
            Comparison = Summary.Of(rate[WedgeStrategy.StopMachine]),
            Target = "reported",
        };
    }

    private static (double WedgeMs, double SwapUs) MeasureWedge(WedgeStrategy strategy, int queued)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet(new GtConfig { WedgeStrategy = strategy }));
        GpuDevice dev = bd.Device;
        dev.OpenClient(out int client);
        var spinners = EngineIds.All.Select(e => Spinner.Start(dev, client, new SpinnerOptions { Engine = e })).ToList();
        foreach (Spinner? sp in spinners)
        {
            sp.WaitStarted(TimeSpan.FromSeconds(5));
        }

        GpuContext ctx = bd.NewContext();
        var fences = new List<DmaFence>(EngineIds.Count * queued + 16);
        foreach (EngineId e in EngineIds.All)
        {
            for (int i = 0; i < queued; i++)
            {
                fences.Add(bd.Gt.CreateAndSubmit(ctx, e, bd.NopBatch));
            }
        }

        fences.AddRange(spinners.Select(sp => sp.Fence));

        int stop = 0;
        List<Request>[] perThread = Enumerable.Range(0, 4).Select(_ => new List<Request>()).ToArray();
        using var started = new CountdownEvent(4);
        Thread[] threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            GpuContext tctx = bd.NewContext();
            started.Signal();
            while (Volatile.Read(ref stop) == 0)
            {
                perThread[t].Add(bd.Gt.CreateAndSubmit(tctx, (EngineId)(t % EngineIds.Count), bd.NopBatch));
                // Paced (a few µs apart) so the queue stays near the 5 x 1000 of the figure while submitters
                // are still inside submission when the wedge lands.
                Thread.SpinWait(2000);
            }
        })).ToArray();
        foreach (Thread? th in threads)
        {
            th.Start();
        }

        started.Wait(TimeSpan.FromSeconds(5));
        Thread.Sleep(2);

        long wedgeStart = Stopwatch.GetTimestamp();
        dev.Wedge("bench");
        Volatile.Write(ref stop, 1);
        foreach (Thread? th in threads)
        {
            th.Join();
        }

        foreach (List<Request>? list in perThread)
        {
            fences.AddRange(list.Where(rq => rq.CreatedTimestamp < wedgeStart));
        }

        long lastSignal = wedgeStart;
        foreach (DmaFence f in fences)
        {
            if (!f.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("a fence was not signalled by the wedge");
            }

            lastSignal = Math.Max(lastSignal, f.SignalTimestamp);
        }
        double ms = (lastSignal - wedgeStart) * 1000.0 / Stopwatch.Frequency;
        if (Environment.GetEnvironmentVariable("GPUSIM_BENCH_DEBUG") == "1")
        {
            Console.Error.WriteLine($"wedge {strategy}: last signal {ms:F2} ms, SetWedged {dev.Reset.LastWedgeDuration.TotalMilliseconds:F2} ms, swap {dev.Reset.LastSwapDuration.TotalMicroseconds:F0} us, fences {fences.Count}");
        }

        return (ms, dev.Reset.LastSwapDuration.TotalMicroseconds);
    }

    private static double SubmitRate(WedgeStrategy strategy, int perThread)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet(new GtConfig { WedgeStrategy = strategy }));
        var lasts = new Request?[4];
        using var start = new Barrier(5);
        Thread[] threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            GpuContext ctx = bd.NewContext();
            start.SignalAndWait();
            for (int i = 0; i < perThread; i++)
            {
                lasts[t] = bd.Gt.CreateAndSubmit(ctx, (EngineId)((t + i) % EngineIds.Count), bd.NopBatch);
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

        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        foreach (Request? rq in lasts)
        {
            rq!.Wait(TimeSpan.FromSeconds(60));
        }

        return 4.0 * perThread / seconds;
    }
}
