namespace Driver.Core.Resv;

/// <summary>
/// How a fence in a reservation object is used (the kernel's enum dma_resv_usage). Ordered: a query for one usage
/// also returns every usage before it, so READ returns KERNEL, WRITE and READ fences.
/// </summary>
public enum DmaResvUsage
{
    /// <summary>Kernel memory management (moves, clears): every user waits for it.</summary>
    Kernel = 0,

    /// <summary>Implicit-sync writer: readers and writers wait for it.</summary>
    Write = 1,

    /// <summary>Implicit-sync reader: writers wait for it.</summary>
    Read = 2,

    /// <summary>Bookkeeping only (explicitly synced work, preemption fences): no implicit sync waits for it.</summary>
    Bookkeep = 3,
}
