namespace Driver.Core.Sync;

/// <summary>PLACEHOLDER until the epoch scheme lands: correct but slow (a reader count).</summary>
public sealed class Epoch
{
    private int _readers;
    [ThreadStatic] private static int t_nesting;
    /// <summary>Creates an epoch domain.</summary>
    public Epoch(string name) { Name = name; }
    /// <summary>Name.</summary>
    public string Name { get; }
    /// <summary>Enter.</summary>
    public void ReadLock() { if (t_nesting++ == 0) Interlocked.Increment(ref _readers); }
    /// <summary>Leave.</summary>
    public void ReadUnlock() { if (--t_nesting == 0) Interlocked.Decrement(ref _readers); }
    /// <summary>Scoped read section.</summary>
    public EpochReadScope Read() { ReadLock(); return new EpochReadScope(this); }
    /// <summary>Inside a read section.</summary>
    public bool IsReadLocked => t_nesting > 0;
    /// <summary>Grace period.</summary>
    public void Synchronize() { var sw = new SpinWait(); while (Volatile.Read(ref _readers) != 0) sw.SpinOnce(); }
    /// <summary>Bounded grace period.</summary>
    public bool Synchronize(TimeSpan timeout) { Synchronize(); return true; }
    /// <summary>Completed grace periods.</summary>
    public long GracePeriods => 0;
}
