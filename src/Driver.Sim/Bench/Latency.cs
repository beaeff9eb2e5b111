using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Gt;

namespace Driver.Sim.Bench;

/// <summary>Submit → signal latency on an idle engine: sleeping idle loop versus a busy-polling engine.</summary>
internal static class Latency
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        var sleeping = new List<double>();
        var sleepingP99 = new List<double>();
        var polling = new List<double>();
        var pollingP99 = new List<double>();
        int reps = Math.Max(3, s.Repetitions / 2);
        for (int r = 0; r < reps; r++)
        {
            (double m, double p) = Measure(new GtConfig(), s.LatencySamples);
            sleeping.Add(m); sleepingP99.Add(p);
            (m, p) = Measure(new GtConfig { BusyPollEngines = EngineId.Bcs0.Mask() }, s.LatencySamples);
            polling.Add(m); pollingP99.Add(p);
        }
        var med = Summary.Of(sleeping);
        var poll = Summary.Of(polling);
        yield return new BenchFigure
        {
            Id = "latency-median",
            Title = "submit → signal latency, idle engine, median",
            Unit = "µs",
            Value = med,
            ComparisonTitle = "busy-poll engine",
            Comparison = poll,
            Target = "median <= 20 µs; busy-poll <= 2 µs",
            Met = med.Median <= 20 && poll.Median <= 2,
            Note = "the engine thread sleeps on its doorbell between samples; busy-poll spins on its queue instead",
        };
        yield return new BenchFigure
        {
            Id = "latency-p99",
            Title = "submit → signal latency, idle engine, p99",
            Unit = "µs",
            Value = Summary.Of(sleepingP99),
            ComparisonTitle = "busy-poll engine p99",
            Comparison = Summary.Of(pollingP99),
            Target = "reported",
        };
    }

    private static (double Median, double P99) Measure(GtConfig gt, int samples)
    {
        using var bd = new BenchDevice(BenchDevice.Quiet(gt));
        GpuContext ctx = bd.NewContext();
        var lat = new List<double>(samples);
        for (int i = 0; i < samples + 100; i++)
        {
            // Let the engine go idle (asleep, unless it busy-polls) before each sample.
            long idleUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 5000;
            while (Stopwatch.GetTimestamp() < idleUntil)
            {
                Thread.SpinWait(50);
            }

            long t0 = Stopwatch.GetTimestamp();
            Request rq = bd.Gt.CreateAndSubmit(ctx, EngineId.Bcs0, bd.NopBatch);
            var spin = new SpinWait();
            long deadline = t0 + Stopwatch.Frequency * 5;
            while (!rq.IsSignaled)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException("latency sample did not complete");
                }

                spin.SpinOnce(sleep1Threshold: -1);
            }
            if (i >= 100)
            {
                lat.Add((rq.SignalTimestamp - t0) * 1e6 / Stopwatch.Frequency);
            }
        }
        lat.Sort();
        return (Summary.Percentile(lat, 0.5), Summary.Percentile(lat, 0.99));
    }
}
