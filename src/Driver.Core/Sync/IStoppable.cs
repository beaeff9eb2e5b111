namespace Driver.Core.Sync;

/// <summary>
/// A thread that <see cref="StopMachine.Run"/> must park before it runs its action, e.g. an engine's
/// submission thread, which parks at its next safe point (between two requests).
/// </summary>
public interface IStoppable
{
    /// <summary>Diagnostic name.</summary>
    string Name { get; }

    /// <summary>
    /// Asks the thread to park at its next safe point and waits until it has. Must not be called from the
    /// participant's own thread.
    /// </summary>
    /// <param name="timeout">Maximum wait, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <returns>
    /// True if the thread is now parked (it stays parked until <see cref="Unpark"/>); false if it did not
    /// park in time, in which case it must not be left parked and <see cref="Unpark"/> will not be called.
    /// </returns>
    bool Park(TimeSpan timeout);

    /// <summary>Releases a thread parked by a successful <see cref="Park"/>.</summary>
    void Unpark();
}
