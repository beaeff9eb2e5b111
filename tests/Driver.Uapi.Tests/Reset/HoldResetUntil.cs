using Driver.Reset.Recovery;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// A reset observer that holds the first full reset until conditions hold: in its prepare step (reset mutex and
/// BACKOFF held, engines still running) until <paramref name="atPrepare"/>, and right after its rewind (engines
/// parked, their requests taken and rewound) until <paramref name="atRestore"/>. Each wait is bounded by
/// <see cref="Bound.Long"/> and, on a driver thread, never throws: whether the condition held is recorded.
/// </summary>
internal sealed class HoldResetUntil(Func<bool>? atPrepare = null, Func<bool>? atRestore = null) : IResetObserver
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

        PrepareConditionMet = Poll.TryUntil(atPrepare);
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

        RestoreConditionMet = Poll.TryUntil(atRestore);
    }

    /// <inheritdoc/>
    public void OnResetFinish() { }
}
