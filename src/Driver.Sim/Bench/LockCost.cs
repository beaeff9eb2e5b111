using System.Diagnostics;
using Driver.Core.Locking;

namespace Driver.Sim.Bench;

/// <summary>Lock validator overhead: ns per uncontended lock/unlock pair, plain Lock vs DriverMutex off and on.</summary>
internal static class LockCost
{
    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        var plain = new List<double>();
        var off = new List<double>();
        var on = new List<double>();
        var offValidator = new LockValidator { Enabled = false };
        var onValidator = new LockValidator { Enabled = true };
        var offMutex = new DriverMutex(offValidator.Class("bench.off"));
        var onMutex = new DriverMutex(onValidator.Class("bench.on"));
        var plainLock = new Lock();
        for (int r = 0; r < s.Repetitions; r++)
        {
            plain.Add(TimePlain(s.LockIterations, plainLock));
            off.Add(TimeMutex(s.LockIterations, offMutex));
            on.Add(TimeMutex(s.LockIterations, onMutex));
        }
        var offSummary = Summary.Of(off);
        var plainSummary = Summary.Of(plain);
        yield return new BenchFigure
        {
            Id = "lockdep-off",
            Title = "DriverMutex lock/unlock, validator off",
            Unit = "ns/pair",
            Value = offSummary,
            ComparisonTitle = "plain System.Threading.Lock",
            Comparison = plainSummary,
            Target = "off <= 1.1x a plain lock",
            Met = offSummary.Median <= plainSummary.Median * 1.1,
        };
        yield return new BenchFigure
        {
            Id = "lockdep-on",
            Title = "DriverMutex lock/unlock, validator on",
            Unit = "ns/pair",
            Value = Summary.Of(on),
            ComparisonTitle = "plain System.Threading.Lock",
            Comparison = plainSummary,
            Target = "reported",
        };
    }

    private static double TimeMutex(int n, DriverMutex m)
    {
        for (int i = 0; i < 10_000; i++) { m.Lock(); m.Unlock(); }
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++) { m.Lock(); m.Unlock(); }
        return Stopwatch.GetElapsedTime(t0).TotalNanoseconds / n;
    }

    private static double TimePlain(int n, Lock l)
    {
        for (int i = 0; i < 10_000; i++) { l.Enter(); l.Exit(); }
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++) { l.Enter(); l.Exit(); }
        return Stopwatch.GetElapsedTime(t0).TotalNanoseconds / n;
    }
}
