namespace Driver.Core.Userptr;

/// <summary>
/// The range an invalidation covers (struct mmu_notifier_range): [<paramref name="Start"/>, <paramref name="End"/>)
/// in bytes of the process address space, and why.
/// </summary>
public readonly record struct MmuNotifierRange(long Start, long End, MmuNotifierEvent Event)
{
    /// <summary>Whether the range overlaps [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>).</summary>
    public bool Overlaps(long start, long length) => Start < start + length && start < End;
}
