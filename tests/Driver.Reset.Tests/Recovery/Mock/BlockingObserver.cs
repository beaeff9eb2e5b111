using Driver.Reset.Recovery;

namespace Driver.Reset.Tests.Recovery.Mock;

/// <summary>
/// Holds a full reset inside its prepare step (BACKOFF set, every engine bit held, the reset mutex taken) until the
/// test releases it, so what other threads do while a reset is in progress can be observed at leisure.
/// </summary>
public sealed class BlockingObserver : IResetObserver, IDisposable
{
    private readonly ManualResetEventSlim _entered = new(false);
    private readonly ManualResetEventSlim _release = new(false);

    /// <summary>Full resets that reached the prepare step.</summary>
    public int Prepares => Volatile.Read(ref _prepares);
    private int _prepares;

    /// <summary>Waits (bounded) until a reset is held in its prepare step.</summary>
    public void WaitEntered() => Assert.True(_entered.Wait(Bound.Long), "no full reset reached its prepare step");

    /// <summary>Lets the held reset go on (and every later one through).</summary>
    public void Release() => _release.Set();

    /// <inheritdoc/>
    public void OnResetPrepare()
    {
        Interlocked.Increment(ref _prepares);
        _entered.Set();
        Assert.True(_release.Wait(Bound.Long), "the test never released the reset");
    }

    /// <inheritdoc/>
    public void OnHardwareReset(HardwareResetPath path)
    {
    }

    /// <inheritdoc/>
    public void OnResetRestore()
    {
    }

    /// <inheritdoc/>
    public void OnResetFinish()
    {
    }

    /// <summary>Releases a reset still held.</summary>
    public void Dispose() => _release.Set();
}
