namespace Driver.Sim.Progress;

/// <summary>Something long-running that can say where it stands; polled by <see cref="ProgressDisplay"/> from another thread.</summary>
public interface IProgressSource
{
    /// <summary>The current state; must be cheap and safe to call from any thread.</summary>
    ProgressSnapshot Read();
}
