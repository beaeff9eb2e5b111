namespace Driver.Engines.Gt;

/// <summary>
/// What guards the call into <c>engine.SubmitRequest</c> against the wedge's handler swap. <see cref="Strategy"/>
/// (the default) follows <see cref="WedgeStrategy"/>; the others exist so benchmarks can compare the read side's
/// cost on the real submit path, measured in the same run.
/// </summary>
public enum SubmitReadSide
{
    /// <summary>The wedge strategy's own read side: an epoch section, or a stop-machine region.</summary>
    Strategy,
    /// <summary>A ReaderWriterLockSlim read lock; the swap takes the write lock. Correct, but readers share a cache line.</summary>
    ReaderWriterLock,
    /// <summary>A Monitor (lock statement); the swap takes it too. Correct, serialises every submitter.</summary>
    Monitor,
    /// <summary>Nothing at all: the baseline. A wedge with this read side can race a submitter (benchmarks only).</summary>
    Unprotected,
}
