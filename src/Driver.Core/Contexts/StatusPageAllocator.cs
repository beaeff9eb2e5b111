using Driver.Core.Locking;
using Driver.Core.Memory;

namespace Driver.Core.Contexts;

/// <summary>
/// Hands out breadcrumb slots in kernel-owned status pages (HWSP) bound into the GGTT: one 64-byte cacheline per
/// timeline, as <c>intel_timeline</c> does, so timelines written by different engines never share a cache line.
/// </summary>
public sealed class StatusPageAllocator(DeviceMemory memory, Memory.Ggtt ggtt)
{
    private const int SlotDwords = 16;
    /// <summary>Guards the bump allocator; takes ggtt->vm.mutex inside (binding a new page).</summary>
    private readonly DriverMutex _lock = new("hwsp->lock");
    private BufferObject? _page;
    private int _next = DeviceMemory.DwordsPerPage;

    /// <summary>Allocates a zeroed slot.</summary>
    public StatusSlot Allocate()
    {
        // A leaf lock around a bump allocator; nothing is called with it held.
        using (_lock.Acquire())
        {
            if (_next + SlotDwords > DeviceMemory.DwordsPerPage)
            {
                _page = new BufferObject(memory, DeviceMemory.PageSize, BoFlags.Kernel);
                ggtt.Insert(_page);
                _next = 0;
            }
            var slot = new StatusSlot(_page!.Pages[0], _next, _page.GgttOffset + (uint)_next * 4);
            _next += SlotDwords;
            return slot;
        }
    }
}
