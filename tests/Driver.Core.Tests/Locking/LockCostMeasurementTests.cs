using System.Diagnostics;
using Driver.Core.Locking;
using Xunit.Abstractions;

namespace Driver.Core.Tests.Locking;

/// <summary>A quick Stopwatch measurement of one Lock/Unlock pair; prints, asserts only that it ran.</summary>
public sealed class LockCostMeasurementTests(ITestOutputHelper output)
{
    private const int Iterations = 1_000_000;

    /// <summary>Measure lock unlock pair.</summary>
    [Fact]
    public void MeasureLockUnlockPair()
    {
        var plain = new Lock();
        var v = new LockValidator();
        var mutex = new DriverMutex(v.Class("measured"));

        double plainNs = Measure(() => { plain.Enter(); plain.Exit(); });
        double offNs = Measure(() => { mutex.Lock(); mutex.Unlock(); });
        v.Enabled = true;
        double onNs = Measure(() => { mutex.Lock(); mutex.Unlock(); });

        output.WriteLine($"ns per Lock/Unlock pair: plain Lock {plainNs:F1}, DriverMutex off {offNs:F1}, on {onNs:F1}");
        Assert.Empty(v.Reports);
        Assert.True(plainNs > 0 && offNs > 0 && onNs > 0);
    }

    private static double Measure(Action pair)
    {
        for (int i = 0; i < Iterations / 10; i++)
        {
            pair();
        }

        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            pair();
        }

        return watch.Elapsed.TotalNanoseconds / Iterations;
    }
}
