using BenchmarkDotNet.Attributes;
using Driver.Core.Sync;

namespace Driver.Bench;

/// <summary>
/// The read side around a submit_request-like indirect call: nothing, the epoch (RCU-like) section, a
/// stop-machine region, a ReaderWriterLockSlim read lock, a Monitor. Baseline = unprotected.
/// </summary>
[MemoryDiagnoser]
public class ReadSideBenchmarks
{
    private readonly Epoch _epoch = new("bench");
    private readonly StopMachine _stopMachine = new("bench");
    private readonly ReaderWriterLockSlim _rwls = new();
    private readonly object _monitor = new();
    private Action<int> _handler = null!;
    private int _sink;

    /// <summary>Installs the handler.</summary>
    [GlobalSetup]
    public void Setup() => _handler = v => _sink += v;

    /// <summary>No protection.</summary>
    [Benchmark(Baseline = true)]
    public void Unprotected() => _handler(1);

    /// <summary>Epoch read section.</summary>
    [Benchmark]
    public void Epoch()
    {
        _epoch.ReadLock();
        try { _handler(1); }
        finally { _epoch.ReadUnlock(); }
    }

    /// <summary>Stop-machine region.</summary>
    [Benchmark]
    public void StopMachineRegion()
    {
        _stopMachine.EnterRegion();
        try { _handler(1); }
        finally { _stopMachine.ExitRegion(); }
    }

    /// <summary>ReaderWriterLockSlim read lock.</summary>
    [Benchmark]
    public void ReaderWriterLockSlim()
    {
        _rwls.EnterReadLock();
        try { _handler(1); }
        finally { _rwls.ExitReadLock(); }
    }

    /// <summary>Monitor.</summary>
    [Benchmark]
    public void Monitor()
    {
        lock (_monitor)
        {
            _handler(1);
        }
    }

    /// <summary>Keeps the sink observable.</summary>
    public int Sink => _sink;
}
