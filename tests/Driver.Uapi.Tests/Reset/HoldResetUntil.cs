using Driver.Reset.Recovery;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// A reset observer that holds the first full reset until conditions hold: in its prepare step (reset mutex and
/// BACKOFF held, engines still running) until <paramref name="atPrepare"/>, and right after its rewind (engines
/// parked, their requests taken and rewound) until <paramref name="atRestore"/>. Each wait is bounded (by
/// <see cref="ResetKit.Bound"/>, or <paramref name="restoreBound"/> for the second); whether the condition held is
/// recorded.
/// </summary>
internal sealed class HoldResetUntil(Func<bool>? atPrepare = null, Func<bool>? atRestore = null, TimeSpan? restoreBound = null)
    : IResetObserver
{
    private int _prepares;
    private int _restores;

    /// <summary>Whether <c>atPrepare</c> held before the first reset went on.</summary>
    public bool PrepareConditionMet { get; private set; }

    /// <summary>Whether <c>atRestore</c> held before the first reset went on after its rewind.</summary>
    public bool RestoreConditionMet { get; private set; }

    /// <inheritdoc/>
    public void OnResetPrepare()
    {
        if (Interlocked.Increment(ref _prepares) != 1 || atPrepare is null)
        {
            return;
        }

        PrepareConditionMet = Hold(atPrepare, ResetKit.Bound);
    }

    /// <inheritdoc/>
    public void OnHardwareReset(HardwareResetPath path) { }

    /// <inheritdoc/>
    public void OnResetRestore()
    {
        if (Interlocked.Increment(ref _restores) != 1 || atRestore is null)
        {
            return;
        }

        RestoreConditionMet = Hold(atRestore, restoreBound ?? ResetKit.Bound);
    }

    /// <inheritdoc/>
    public void OnResetFinish() { }

    private static bool Hold(Func<bool> condition, TimeSpan bound)
    {
        DateTime deadline = DateTime.UtcNow + bound;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }

        return condition();
    }
}
