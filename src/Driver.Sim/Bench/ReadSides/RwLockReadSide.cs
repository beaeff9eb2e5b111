using Driver.Core.Requests;
using Driver.Engines.Execution;
using Driver.Engines.Gt;

namespace Driver.Sim.Bench.ReadSides;

/// <summary>
/// Baseline: a ReaderWriterLockSlim read lock around each submission, the write lock around the swap. Correct, but
/// every reader writes the lock's shared cache line. Deliberately the plain .NET primitive being measured, not a
/// validated driver lock.
/// </summary>
internal sealed class RwLockReadSide : ISubmitReadSide
{
    // Reentrant: a submission can signal a fence whose callback submits again on this thread.
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);

    public string Name => "rwlock";

    public void Submit(Engine engine, Request rq)
    {
        _lock.EnterReadLock();
        try { engine.SubmitRequest(rq); }
        finally { _lock.ExitReadLock(); }
    }

    public void Publish(Action swap, TimeSpan stopTimeout)
    {
        _lock.EnterWriteLock();
        try { swap(); }
        finally { _lock.ExitWriteLock(); }
    }
}
