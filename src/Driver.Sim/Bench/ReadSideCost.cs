using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;
using Driver.Sim.Bench.ReadSides;

namespace Driver.Sim.Bench;

/// <summary>
/// The cost of the read side around engine.SubmitRequest, per submit, on the real submit path (request built on its
/// timeline, committed, submitted): the epoch section against no protection at all, a ReaderWriterLockSlim read
/// lock and a Monitor. The engine's handler completes each request on the spot (breadcrumb, signal), so the figure
/// is the submitting thread's own cost, not the engine threads' competition for the CPU. One submitting thread (the
/// read side's own cost) and two (where shared cache lines show). Configurations are interleaved per repetition so
/// drift affects them alike.
/// </summary>
internal static class ReadSideCost
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        BaselineReadSide[] sides = new[] { BaselineReadSide.Strategy, BaselineReadSide.Unprotected, BaselineReadSide.ReaderWriterLock, BaselineReadSide.Monitor };
        Dictionary<BaselineReadSide, List<double>> one = sides.ToDictionary(x => x, _ => new List<double>());
        Dictionary<BaselineReadSide, List<double>> two = sides.ToDictionary(x => x, _ => new List<double>());
        int perThread = s.ThroughputRequests / 2;
        for (int r = 0; r < s.Repetitions; r++)
        {
            // Rotate the order: whichever runs first in a repetition inherits the previous one's garbage.
            for (int k = 0; k < sides.Length; k++)
            {
                BaselineReadSide side = sides[(r + k) % sides.Length];
                one[side].Add(NanosPerSubmit(side, 1, perThread));
                two[side].Add(NanosPerSubmit(side, 2, perThread / 2));
            }
        }
        var baseline = Summary.Of(one[BaselineReadSide.Unprotected]);
        var epoch = Summary.Of(one[BaselineReadSide.Strategy]);
        yield return new BenchFigure
        {
            Id = "readside-epoch",
            Title = "submit with the epoch read section, 1 thread",
            Unit = "ns/submit",
            Value = epoch,
            ComparisonTitle = "unprotected submit",
            Comparison = baseline,
            Target = "epoch <= 1.02x unprotected (issue 17.4)",
            Met = epoch.Median <= baseline.Median * 1.02,
            Note = "whole submit path per request; the handler completes the request inline",
        };
        yield return new BenchFigure
        {
            Id = "readside-rwlock",
            Title = "submit under ReaderWriterLockSlim read lock, 1 thread",
            Unit = "ns/submit",
            Value = Summary.Of(one[BaselineReadSide.ReaderWriterLock]),
            ComparisonTitle = "unprotected submit",
            Comparison = baseline,
            Target = "reported",
        };
        yield return new BenchFigure
        {
            Id = "readside-monitor",
            Title = "submit under a Monitor, 1 thread",
            Unit = "ns/submit",
            Value = Summary.Of(one[BaselineReadSide.Monitor]),
            ComparisonTitle = "unprotected submit",
            Comparison = baseline,
            Target = "reported",
        };
        var baseline2 = Summary.Of(two[BaselineReadSide.Unprotected]);
        foreach ((BaselineReadSide side, string? id, string? title) in new[]
                 {
                     (BaselineReadSide.Strategy, "readside-epoch-2t", "epoch read section"),
                     (BaselineReadSide.ReaderWriterLock, "readside-rwlock-2t", "ReaderWriterLockSlim read lock"),
                     (BaselineReadSide.Monitor, "readside-monitor-2t", "Monitor"),
                 })
        {
            yield return new BenchFigure
            {
                Id = id,
                Title = $"submit under the {title}, 2 threads",
                Unit = "ns/submit",
                Value = Summary.Of(two[side]),
                ComparisonTitle = "unprotected submit, 2 threads",
                Comparison = baseline2,
                Target = "reported",
            };
        }
    }

    /// <summary>The GT's read-side factory for <paramref name="side"/>; null keeps the wedge strategy's own.</summary>
    private static Func<IntelGt, ISubmitReadSide>? Factory(BaselineReadSide side) => side switch
    {
        BaselineReadSide.Unprotected => _ => new UnprotectedReadSide(),
        BaselineReadSide.ReaderWriterLock => _ => new RwLockReadSide(),
        BaselineReadSide.Monitor => _ => new MonitorReadSide(),
        _ => null,
    };

    private static double NanosPerSubmit(BaselineReadSide side, int threads, int perThread)
    {
        // Start every measurement from a clean heap, so no configuration pays for another's garbage.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var bd = new BenchDevice(BenchDevice.Quiet(new GtConfig { ReadSide = Factory(side) }));
        // Completing inline keeps every fence signalled (the invariant holds in benchmarks too) at the same fixed
        // cost for every read side.
        Action<Request> sink = Engine.CompleteOnCpu;
        foreach (Engine e in bd.Gt.Engines)
        {
            e.SubmitRequest = sink;
        }

        GpuContext[] ctxs = Enumerable.Range(0, threads).Select(_ => bd.NewContext()).ToArray();
        EngineId[] engines = new[] { EngineId.Rcs0, EngineId.Bcs0 };
        double[] elapsed = new double[threads];
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                bd.Gt.CreateAndSubmit(ctxs[t], engines[t], bd.NopBatch);
            }

            start.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < perThread; i++)
            {
                bd.Gt.CreateAndSubmit(ctxs[t], engines[t], bd.NopBatch);
            }

            elapsed[t] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        })).ToArray();
        foreach (Thread? w in workers)
        {
            w.Start();
        }

        foreach (Thread? w in workers)
        {
            w.Join();
        }

        return elapsed.Average() * 1e9 / perThread;
    }
}
