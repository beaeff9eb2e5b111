namespace Driver.Core.Userptr;

/// <summary>Why a range of a <see cref="CpuMm"/> is invalidated (the kernel's enum mmu_notifier_event, the two modelled).</summary>
public enum MmuNotifierEvent
{
    /// <summary>MMU_NOTIFY_UNMAP: munmap; the range has no pages afterwards.</summary>
    Unmap,

    /// <summary>MMU_NOTIFY_MIGRATE: the pages move (same contents, new physical pages).</summary>
    Migrate,
}
