namespace Driver.Core.Sync;

/// <summary>PLACEHOLDER stop-the-world.</summary>
public sealed class StopMachine
{
    private readonly List<IStoppable> _parts = new();
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.SupportsRecursion);
    /// <summary>Creates.</summary>
    public StopMachine(string name) { }
    /// <summary>Register.</summary>
    public void Register(IStoppable p) { lock (_parts) _parts.Add(p); }
    /// <summary>Unregister.</summary>
    public void Unregister(IStoppable p) { lock (_parts) _parts.Remove(p); }
    /// <summary>Enter region.</summary>
    public void EnterRegion() => _gate.EnterReadLock();
    /// <summary>Exit region.</summary>
    public void ExitRegion() => _gate.ExitReadLock();
    /// <summary>Scoped region.</summary>
    public StopMachineRegionScope Region() { EnterRegion(); return new StopMachineRegionScope(this); }
    /// <summary>Stops.</summary>
    public long Stops { get; private set; }
    /// <summary>Run with the world stopped.</summary>
    public bool Run(Action action, TimeSpan timeout)
    {
        if (!_gate.TryEnterWriteLock(timeout)) return false;
        try
        {
            IStoppable[] parts; lock (_parts) parts = _parts.ToArray();
            var parked = new List<IStoppable>();
            try
            {
                foreach (var p in parts) { if (!p.Park(timeout)) return false; parked.Add(p); }
                action(); Stops++; return true;
            }
            finally { foreach (var p in parked) p.Unpark(); }
        }
        finally { _gate.ExitWriteLock(); }
    }
}
