namespace Driver.Core.Userptr;

/// <summary>
/// struct mmu_interval_notifier_ops: what a driver does when a range it mirrors is invalidated.
/// </summary>
public interface IMmuIntervalNotifierOps
{
    /// <summary>
    /// Called before the pages of <paramref name="range"/> change, with the mm's odd invalidation sequence
    /// <paramref name="curSeq"/>: the driver must store it with <see cref="MmuIntervalNotifier.SetSeq"/> under its
    /// own lock, the one its mapping build takes around <see cref="MmuIntervalNotifier.ReadRetry"/>, then stop using
    /// the old pages (wait for the GPU). Returns true (the blockable case: GpuSim never invalidates from a
    /// non-blocking context).
    /// </summary>
    bool Invalidate(MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq);
}
