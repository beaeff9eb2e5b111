namespace Driver.Core.Sync;

/// <summary>
/// One thread's reader state for one <see cref="ReaderRegistry"/> (one <see cref="Epoch"/> or one
/// <see cref="StopMachine"/>). Only the owning thread writes it, so the read side never contends.
/// </summary>
internal sealed class ReaderSlot
{
    /// <summary>The padded hot words: see <see cref="ReaderSlotState"/>.</summary>
    internal ReaderSlotState Hot;

    /// <summary>Creates the slot of <paramref name="owner"/> in <paramref name="registry"/>.</summary>
    internal ReaderSlot(ReaderRegistry registry, Thread owner)
    {
        Registry = registry;
        Owner = owner;
    }

    /// <summary>
    /// The registry this slot belongs to. The per-thread table is indexed by a recyclable id, so the
    /// fast path compares this tag to reject a stale slot left behind by a collected owner of the same id.
    /// </summary>
    internal ReaderRegistry Registry { get; }

    /// <summary>The owning thread; waiters consult <see cref="Thread.IsAlive"/> so a dead thread cannot block them.</summary>
    internal Thread Owner { get; }
}
