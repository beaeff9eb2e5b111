using System.Diagnostics;
using Driver.Core.Locking;

namespace Driver.Core.Userptr;

/// <summary>
/// A subscription to invalidations of one range of a <see cref="CpuMm"/> (struct mmu_interval_notifier), with the
/// sequence-number protocol of mm/mmu_notifier.c: a mapping build calls <see cref="ReadBegin"/>, gets the pages,
/// takes the driver lock and calls <see cref="ReadRetry"/>; the invalidate callback stores the mm's sequence with
/// <see cref="SetSeq"/> under that same lock. As the 2019 thread suggests, the notifier is given the driver lock so
/// that <see cref="SetSeq"/> asserts it is held (lockdep_assert_held).
/// </summary>
public sealed class MmuIntervalNotifier
{
    /// <summary>
    /// interval_sub->invalidate_seq: equal to the mm's (odd) sequence while an invalidation of this range runs;
    /// written by <see cref="SetSeq"/> under <see cref="DriverLock"/> for write, read by <see cref="ReadRetry"/> under
    /// it for read, and by <see cref="ReadBegin"/> under the mm's gate.
    /// </summary>
    private long _invalidateSeq;

    internal MmuIntervalNotifier(CpuMm mm, long start, long length, IMmuIntervalNotifierOps ops, DriverRwLock? driverLock, long seq)
    {
        Mm = mm;
        Start = start;
        Length = length;
        Ops = ops;
        DriverLock = driverLock;
        _invalidateSeq = seq;
    }

    /// <summary>The address space.</summary>
    public CpuMm Mm { get; }

    /// <summary>First byte of the range.</summary>
    public long Start { get; }

    /// <summary>Length of the range in bytes.</summary>
    public long Length { get; }

    /// <summary>The driver's callbacks.</summary>
    public IMmuIntervalNotifierOps Ops { get; }

    /// <summary>The driver lock <see cref="SetSeq"/> must be called under (for write); null: not checked.</summary>
    public DriverRwLock? DriverLock { get; }

    /// <summary>Whether <see cref="CpuMm.RemoveNotifier"/> took it off the mm.</summary>
    public bool IsRemoved { get; internal set; }

    internal long InvalidateSeq => Volatile.Read(ref _invalidateSeq);

    /// <summary>
    /// mmu_interval_read_begin: the sequence to pass to <see cref="ReadRetry"/> once the pages are got. If an
    /// invalidation of this range is running it first waits for that invalidation to end (mn_itree_inv_end), so the
    /// pages read afterwards are the new ones.
    /// </summary>
    public long ReadBegin() => Mm.ReadBegin(this);

    /// <summary>
    /// mmu_interval_read_retry: whether an invalidation started since <see cref="ReadBegin"/> returned
    /// <paramref name="seq"/>, so the pages got meanwhile may be stale and the build must start over. Called with
    /// the driver lock held: the lock orders this read after the invalidation's <see cref="SetSeq"/> (see the
    /// callers).
    /// </summary>
    public bool ReadRetry(long seq) => Volatile.Read(ref _invalidateSeq) != seq;

    /// <summary>
    /// mmu_interval_set_seq: called by the invalidate callback, under the driver lock for write, with the sequence
    /// it was given; every build that began before it then fails <see cref="ReadRetry"/>.
    /// </summary>
    public void SetSeq(long curSeq)
    {
        Debug.Assert(DriverLock is null || DriverLock.IsWriteLockHeld, "mmu_interval_set_seq without the driver lock held for write");
        Debug.Assert((curSeq & 1) == 1, "the sequence of a running invalidation is odd");
        Volatile.Write(ref _invalidateSeq, curSeq);
    }

    /// <inheritdoc/>
    public override string ToString() => $"mmu_interval_notifier [0x{Start:x}, 0x{Start + Length:x})";
}
