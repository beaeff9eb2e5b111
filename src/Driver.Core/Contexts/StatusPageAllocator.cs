using Driver.Core.Locking;
using Driver.Core.Memory;

namespace Driver.Core.Contexts;

/// <summary>
/// Hands out breadcrumb slots in kernel-owned status pages (HWSP) bound into the GGTT: one 64-byte cacheline per
/// timeline, as <c>intel_timeline</c> does, so timelines written by different engines never share a cache line.
/// A slot comes back through <see cref="Free"/> once its timeline is released and no request of it can still write
/// it (<see cref="Timeline"/> keeps that count), and is handed out again before a new page is taken, so the pages
/// stay bounded by the most timelines alive at once (i915's hwsp_alloc/hwsp_free and their free-cacheline bitmap).
/// Pages are kept for reuse, not unbound: the last slot of a page is freed from a fence signal, where the GGTT's
/// mutex may not be taken.
/// </summary>
public sealed class StatusPageAllocator(DeviceMemory memory, Memory.Ggtt ggtt)
{
    /// <summary>Dwords per slot: one 64-byte cacheline.</summary>
    public const int SlotDwords = 16;

    /// <summary>Guards the bump allocator and page creation; takes ggtt->vm.mutex inside (binding a new page).</summary>
    private readonly DriverMutex _lock = new("hwsp->lock");

    /// <summary>
    /// Guards <see cref="_free"/>; a leaf lock, taken inside <see cref="_lock"/> and from fence signalling (the last
    /// request of a released timeline frees its slot as it signals), so nothing else is ever taken under it.
    /// </summary>
    private readonly DriverSpinLock _freeLock = new("hwsp->free_lock");

    /// <summary>Slots given back, most recent on top; guarded by <see cref="_freeLock"/>.</summary>
    private readonly Stack<StatusSlot> _free = new();
    private BufferObject? _page;
    private int _next = DeviceMemory.DwordsPerPage;
    private int _pages;
    private int _live;

    /// <summary>Status pages taken so far (never given back: freed slots are reused).</summary>
    public int Pages => Volatile.Read(ref _pages);

    /// <summary>Slots handed out and not freed yet.</summary>
    public int LiveSlots => Volatile.Read(ref _live);

    /// <summary>Allocates a zeroed slot: a freed one if there is one, else the next one of the current page.</summary>
    public StatusSlot Allocate()
    {
        using (_lock.Acquire())
        {
            using (_freeLock.Acquire())
            {
                // Zeroed when freed (see Free), so the new owner's first seqno is not already "passed".
                if (_free.TryPop(out StatusSlot reused))
                {
                    Interlocked.Increment(ref _live);
                    return reused;
                }
            }

            if (_next + SlotDwords > DeviceMemory.DwordsPerPage)
            {
                _page = new BufferObject(memory, DeviceMemory.PageSize, BoFlags.Kernel);
                ggtt.Insert(_page);
                Interlocked.Increment(ref _pages);
                _next = 0;
            }

            var slot = new StatusSlot(_page!.Pages[0], _next, _page.GgttOffset + (uint)_next * 4);
            _next += SlotDwords;
            Interlocked.Increment(ref _live);
            return slot;
        }
    }

    /// <summary>
    /// Gives a slot back (intel_timeline's last reference dropped: hwsp_free). The caller guarantees nothing writes
    /// it any more: its timeline is released and every request of it has signalled (the engine writes a breadcrumb
    /// before the request signals). Any thread, fence signalling included.
    /// </summary>
    public void Free(StatusSlot slot)
    {
        // Zeroed here, not at the next Allocate: a reader that raced with the last signal and reads this dword sees
        // zero or a later owner's seqno, both written after that signal, and so finds the request signalled when it
        // looks again (Request.IsCompleted).
        slot.Page.Clear(slot.Index, SlotDwords);
        using (_freeLock.Acquire())
        {
            _free.Push(slot);
        }

        Interlocked.Decrement(ref _live);
    }
}
