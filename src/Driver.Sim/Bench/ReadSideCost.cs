using System.Diagnostics;
using Driver.Core.Hw;
using Driver.Engines.Gt;

namespace Driver.Sim.Bench;

/// <summary>
/// The cost of the read side around engine.SubmitRequest, per submit, on the real submit path: the epoch section
/// against no protection at all, a ReaderWriterLockSlim read lock and a Monitor. Two submitting threads on two
/// engines, so a shared cache line (the reader count, the monitor) shows. Configurations are interleaved per
/// repetition so drift affects them alike.
/// </summary>
internal static class ReadSideCost
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        var sides = new[] { SubmitReadSide.Strategy, SubmitReadSide.Unprotected, SubmitReadSide.ReaderWriterLock, SubmitReadSide.Monitor };
        var samples = sides.ToDictionary(x => x, _ => new List<double>());
        int perThread = s.ThroughputRequests / 4;
        for (int r = 0; r < s.Repetitions; r++)
            foreach (var side in sides) samples[side].Add(NanosPerSubmit(side, perThread));
        var baseline = Summary.Of(samples[SubmitReadSide.Unprotected]);
        var epoch = Summary.Of(samples[SubmitReadSide.Strategy]);
        yield return new BenchFigure
        {
            Id = "readside-epoch", Title = "submit with the epoch read section", Unit = "ns/submit",
            Value = epoch, ComparisonTitle = "unprotected submit", Comparison = baseline,
            Target = "epoch <= 1.05x unprotected", Met = epoch.Median <= baseline.Median * 1.05,
            Note = "2 threads, each submitting nops to its own engine",
        };
        yield return new BenchFigure
        {
            Id = "readside-rwlock", Title = "submit under ReaderWriterLockSlim read lock", Unit = "ns/submit",
            Value = Summary.Of(samples[SubmitReadSide.ReaderWriterLock]), ComparisonTitle = "unprotected submit", Comparison = baseline,
            Target = "reported",
        };
        yield return new BenchFigure
        {
            Id = "readside-monitor", Title = "submit under a Monitor", Unit = "ns/submit",
            Value = Summary.Of(samples[SubmitReadSide.Monitor]), ComparisonTitle = "unprotected submit", Comparison = baseline,
            Target = "reported",
        };
    }

    private static double NanosPerSubmit(SubmitReadSide side, int perThread)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet(new GtConfig { SubmitReadSide = side }));
        var ctxs = new[] { bd.NewContext(), bd.NewContext() };
        var engines = new[] { EngineId.Rcs0, EngineId.Bcs0 };
        var elapsed = new double[2];
        var lasts = new Core.Requests.Request?[2];
        using var start = new Barrier(2);
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 5_000; i++) bd.Gt.CreateAndSubmit(ctxs[t], engines[t], bd.NopBatch);
            start.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < perThread; i++) lasts[t] = bd.Gt.CreateAndSubmit(ctxs[t], engines[t], bd.NopBatch);
            elapsed[t] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        foreach (var rq in lasts) rq!.Wait(TimeSpan.FromSeconds(60));
        return elapsed.Average() * 1e9 / perThread;
    }
}
