namespace Driver.Core.Locking;

/// <summary>PLACEHOLDER until the lock validator lands: a plain mutex with the validator's API.</summary>
public sealed class DriverMutex
{
    private readonly Lock _lock = new();
    /// <summary>Creates a mutex of the named lock class.</summary>
    public DriverMutex(string className) { ClassName = className; }
    /// <summary>Lock class name.</summary>
    public string ClassName { get; }
    /// <summary>Acquire.</summary>
    public void Lock() => _lock.Enter();
    /// <summary>Acquire, nested subclass.</summary>
    public void Lock(int subclass) => _lock.Enter();
    /// <summary>Try to acquire.</summary>
    public bool TryLock() => _lock.TryEnter();
    /// <summary>Release.</summary>
    public void Unlock() => _lock.Exit();
    /// <summary>Whether the current thread holds it.</summary>
    public bool IsHeldByCurrentThread => _lock.IsHeldByCurrentThread;
    /// <summary>Scoped acquire.</summary>
    public Scope Acquire() { Lock(); return new Scope(this); }
    /// <summary>Releases on dispose.</summary>
    public readonly struct Scope(DriverMutex m) : IDisposable { /// <summary>Release.</summary>
        public void Dispose() => m.Unlock(); }
}
