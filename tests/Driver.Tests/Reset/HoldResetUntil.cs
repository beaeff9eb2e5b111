using Driver.Reset.Recovery;

namespace Driver.Tests.Reset;

/// <summary>
/// A reset observer that holds the first full reset in its prepare step (reset mutex and BACKOFF held) until a
/// condition holds, bounded by <see cref="ResetKit.Bound"/>; records whether it did.
/// </summary>
internal sealed class HoldResetUntil(Func<bool> condition) : IResetObserver
{
    private int _prepares;

    /// <summary>Whether the condition held before the first reset went on.</summary>
    public bool ConditionMet { get; private set; }

    /// <inheritdoc/>
    public void OnResetPrepare()
    {
        if (Interlocked.Increment(ref _prepares) != 1) return;
        var deadline = DateTime.UtcNow + ResetKit.Bound;
        while (!condition() && DateTime.UtcNow < deadline) Thread.Sleep(1);
        ConditionMet = condition();
    }

    /// <inheritdoc/>
    public void OnHardwareReset() { }

    /// <inheritdoc/>
    public void OnResetRestore() { }

    /// <inheritdoc/>
    public void OnResetFinish() { }
}
