using BenchmarkDotNet.Attributes;
using Driver.Core.Locking;

namespace Driver.Bench;

/// <summary>Uncontended lock/unlock: plain System.Threading.Lock vs DriverMutex with the validator off and on.</summary>
[MemoryDiagnoser]
public class LockBenchmarks
{
    private readonly Lock _plain = new();
    private DriverMutex _off = null!;
    private DriverMutex _on = null!;
    private DriverSpinLock _spinOff = null!;

    /// <summary>Creates the locks on private validators.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var off = new LockValidator { Enabled = false };
        var on = new LockValidator { Enabled = true };
        _off = new DriverMutex(off.Class("bench.off"));
        _on = new DriverMutex(on.Class("bench.on"));
        _spinOff = new DriverSpinLock(off.Class("bench.spin"));
    }

    /// <summary>Plain lock.</summary>
    [Benchmark(Baseline = true)]
    public void PlainLock()
    {
        _plain.Enter();
        _plain.Exit();
    }

    /// <summary>DriverMutex, validator off.</summary>
    [Benchmark]
    public void DriverMutexOff()
    {
        _off.Lock();
        _off.Unlock();
    }

    /// <summary>DriverMutex, validator on.</summary>
    [Benchmark]
    public void DriverMutexOn()
    {
        _on.Lock();
        _on.Unlock();
    }

    /// <summary>DriverSpinLock, validator off.</summary>
    [Benchmark]
    public void DriverSpinLockOff()
    {
        _spinOff.Lock();
        _spinOff.Unlock();
    }
}
