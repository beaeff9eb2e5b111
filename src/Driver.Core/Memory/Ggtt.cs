using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Resv;

namespace Driver.Core.Memory;

/// <summary>
/// The global GTT: a 32-bit GPU address space whose page table entries point at device-memory pages. Engines fetch
/// batches and store dwords through it; an address with no PTE faults. The driver's own placements never use the
/// first page, so a null address faults unless a user asked for an object there: this one range stands in for each
/// context's full ppGTT as well, where a softpin may take offset 0 (i915_vma_insert with PIN_OFFSET_FIXED checks only
/// alignment and the range; the guard and scratch pages are the GGTT's own). The driver's own objects get a range
/// above the users' (<see cref="UserSize"/>), as they would be in the GGTT and not in a ppGTT. A PTE is the raw
/// address of a page in a <see cref="PageArena"/>: one load and one dereference per access. On gen6+ the PTEs live
/// in memory a GPU reset does not touch: a full reset leaves them as they were (what it loses is engine state and
/// the fence registers).
/// </summary>
public sealed unsafe class Ggtt
{
    private const int PageShift = 12;

    /// <summary>
    /// PTEs: the address of the page backing each 4 KiB of address space; 0 = not present. Read lock-free by engines,
    /// each PTE a single aligned word, so a reader sees the old page or the new one.
    /// </summary>
    private readonly nint[] _ptes;

    /// <summary>
    /// Every arena a PTE ever pointed into, guarded by <see cref="_mutex"/>: the references that keep those arenas
    /// mapped for as long as a reader of this GGTT may hold an address it loaded from a PTE (PageArena's lifetime
    /// rule; readers keep this GGTT alive across their access). Arenas are few: the device's, a userptr mm's, an
    /// exporter's.
    /// </summary>
    private readonly HashSet<PageArena> _arenas = new(ReferenceEqualityComparer.Instance);

    /// <summary>Bound nodes sorted by offset; guarded by <see cref="_mutex"/>.</summary>
    private readonly List<GgttNode> _nodes = new();

    /// <summary>Serialises bind/unbind/restore (the kernel's vm->mutex). Never taken by engines.</summary>
    private readonly DriverMutex _mutex = new("ggtt->vm.mutex");

    /// <summary>
    /// Creates an address space whose users see <paramref name="sizeBytes"/> (page multiple, at most 4 GiB), with
    /// <paramref name="kernelBytes"/> above it for the driver's own objects (taken from the top of the users' range
    /// where the two would pass 4 GiB).
    /// </summary>
    public Ggtt(long sizeBytes, long kernelBytes = 0)
    {
        if (sizeBytes < 2 * DeviceMemory.PageSize || sizeBytes > 1L << 32 || sizeBytes % DeviceMemory.PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), "GGTT size is a page multiple between 8 KiB and 4 GiB");
        }

        if (kernelBytes < 0 || kernelBytes % DeviceMemory.PageSize != 0 || kernelBytes > sizeBytes / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(kernelBytes), "the kernel's range is a page multiple of at most half the GGTT");
        }

        Size = Math.Min(sizeBytes + kernelBytes, 1L << 32);
        UserSize = Size - kernelBytes;
        _ptes = new nint[Size >> PageShift];
    }

    /// <summary>Size of the address space in bytes, the driver's range included.</summary>
    public long Size { get; }

    /// <summary>
    /// Where the users' range [0, UserSize) ends: what CONTEXT_GETPARAM GTT_SIZE reports and execbuf places and
    /// softpins within. The driver's own objects (<see cref="BoFlags.Kernel"/>) go above it, as i915's live in the
    /// GGTT and never in a context's full ppGTT, so a softpin never finds one in its way.
    /// </summary>
    public long UserSize { get; }

    /// <summary>Number of bound nodes.</summary>
    public int NodeCount { get { using (_mutex.Acquire()) { return _nodes.Count; } } }

    /// <summary>
    /// Binds <paramref name="bo"/>: at <paramref name="fixedOffset"/> when given (page aligned, free, in range, else
    /// EINVAL / ENOSPC), otherwise at the lowest free range aligned to <paramref name="alignment"/>. Binding an already
    /// bound object returns its node (EINVAL if a different fixed offset is asked for). With <paramref name="pin"/>
    /// the node's pin count is taken in the same critical section (i915_vma_pin): no eviction can unbind it between
    /// the insertion and the pin; the caller drops it with <see cref="Unpin"/>. A <paramref name="size"/> larger than
    /// the object pads the node (EXEC_OBJECT_PAD_TO_SIZE: the range is reserved, the padding maps nothing); an
    /// existing binding smaller than that is EINVAL (the caller unbinds a misplaced binding first).
    /// </summary>
    public GgttNode Insert(BufferObject bo, uint? fixedOffset = null, uint alignment = DeviceMemory.PageSize, bool pin = false,
        long size = 0)
    {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment < DeviceMemory.PageSize)
        {
            throw DriverException.Inval($"alignment {alignment} must be a power of two of at least 4096");
        }

        using (_mutex.Acquire())
        {
            if (bo.Binding is { } existing)
            {
                if (fixedOffset is { } want && want != existing.Offset)
                {
                    throw DriverException.Inval($"{bo} is already bound at 0x{existing.Offset:x}");
                }

                if (existing.Size < size)
                {
                    throw DriverException.Inval($"{bo} is bound with {existing.Size} bytes, not {size}");
                }

                if (pin)
                {
                    Interlocked.Increment(ref existing.PinCount);
                }

                return existing;
            }
            long nodeSize = Math.Max(bo.Size, size);
            uint offset = fixedOffset is { } fixedAt ? CheckFixed(fixedAt, nodeSize) : FindFree(bo, nodeSize, alignment);
            var node = new GgttNode(bo, offset, nodeSize);
            int index = _nodes.FindIndex(n => n.Offset > offset);
            _nodes.Insert(index < 0 ? _nodes.Count : index, node);
            WritePtes(node);
            bo.Binding = node;
            if (pin)
            {
                node.PinCount = 1;
            }

            return node;
        }
    }

    /// <summary>
    /// Drops one pin <see cref="Insert"/> took on <paramref name="node"/> (i915_vma_unpin). Lock-free: an eviction
    /// racing with it sees the binding still pinned and gives up, as it would have a moment earlier.
    /// </summary>
    public static void Unpin(GgttNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        int left = Interlocked.Decrement(ref node.PinCount);
        Debug.Assert(left >= 0, $"{node.Object} unpinned more often than pinned");
    }

    /// <summary>
    /// Unbinds <paramref name="bo"/> unless its binding is pinned (__i915_vma_unbind's "is pinned" refusal): true
    /// when it is unbound now (or was not bound), false when an execbuf still holds it. The pin count is read under
    /// the mutex that <see cref="Insert"/> pins under, so the check and the unbind are one step against a pin.
    /// </summary>
    public bool TryRemoveUnpinned(BufferObject bo)
    {
        using (_mutex.Acquire())
        {
            if (bo.Binding is { } node && node.PinCount != 0)
            {
                return false;
            }

            RemoveLocked(bo);
            return true;
        }
    }

    /// <summary>
    /// As <see cref="TryRemoveUnpinned"/>, and also refused while <paramref name="bo"/>'s reservation still holds an
    /// unsignalled fence (__i915_vma_unbind: i915_vma_sync under vm->mutex once the vma is found unpinned), with
    /// <paramref name="busy"/> set: the caller waits and tries again. A request reaches a binding only through an
    /// execbuf that pinned it under this mutex and added its fence before unpinning, so a binding found unpinned and
    /// idle here has no request left that could reach whatever is bound there next.
    /// </summary>
    public bool TryRemoveIdle(BufferObject bo, out bool busy)
    {
        using (_mutex.Acquire())
        {
            busy = false;
            // Read before the fences (acquire): an execbuf adds its fence before it unpins, so seeing its unpin
            // means seeing its fence.
            if (bo.Binding is { } node && Volatile.Read(ref node.PinCount) != 0)
            {
                return false;
            }

            if (bo.Binding is not null && !bo.Resv.TestSignaled(DmaResvUsage.Bookkeep))
            {
                busy = true;
                return false;
            }

            RemoveLocked(bo);
            return true;
        }
    }

    /// <summary>
    /// Unbinds <paramref name="bo"/> if bound: its PTEs are cleared, later accesses fault. For the object's release,
    /// when no execbuf can hold it any more; an eviction uses <see cref="TryRemoveUnpinned"/>.
    /// </summary>
    public void Remove(BufferObject bo)
    {
        using (_mutex.Acquire())
        {
            RemoveLocked(bo);
        }
    }

    private void RemoveLocked(BufferObject bo)
    {
        if (bo.Binding is not { } node)
        {
            return;
        }

        _nodes.Remove(node);
        long first = node.Offset >> PageShift;
        for (long i = 0; i < node.Size >> PageShift; i++)
        {
            Volatile.Write(ref _ptes[first + i], 0);
        }

        bo.Binding = null;
    }

    /// <summary>
    /// Rewrites the PTEs of <paramref name="bo"/>'s binding, if any, from its current pages: after a move
    /// (<see cref="BufferObject.ReplacePages"/>) the binding follows the object to its new placement; after an
    /// mmu-notifier invalidation a userptr object's binding follows the pages it got again. Nothing when unbound.
    /// Under the GGTT mutex, ordered against Insert/Remove of the same range.
    /// </summary>
    public void RefreshPtes(BufferObject bo)
    {
        ArgumentNullException.ThrowIfNull(bo);
        using (_mutex.Acquire())
        {
            if (bo.Binding is { } node)
            {
                WritePtes(node);
            }
        }
    }

    /// <summary>Whether a PTE maps <paramref name="address"/>.</summary>
    public bool IsPresent(uint address) => PteAt(address) != 0;

    /// <summary>
    /// The address of the page backing <paramref name="address"/>, or 0 if not present. The caller keeps this GGTT
    /// alive until it is done with the page (which keeps the page's arena mapped).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal nint PteAt(uint address)
    {
        nint[] ptes = _ptes;
        uint index = address >> PageShift;
        return index < (uint)ptes.Length ? Volatile.Read(ref ptes[index]) : 0;
    }

    /// <summary>Reads a dword through the GGTT; false when the address faults (no PTE or misaligned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryRead(uint address, out uint value)
    {
        nint page = PteAt(address);
        if (page == 0 || (address & 3) != 0) { value = 0; return false; }
        value = Volatile.Read(ref *(uint*)(page + (nint)(address & 0xfff)));
        // Ordered after the dereference: this GGTT, and through _arenas the page's arena, is alive until here.
        GC.KeepAlive(this);
        return true;
    }

    /// <summary>Writes a dword through the GGTT; false when the address faults.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWrite(uint address, uint value)
    {
        nint page = PteAt(address);
        if (page == 0 || (address & 3) != 0)
        {
            return false;
        }

        Volatile.Write(ref *(uint*)(page + (nint)(address & 0xfff)), value);
        GC.KeepAlive(this);
        return true;
    }

    /// <summary>The node containing <paramref name="address"/>, or null.</summary>
    public GgttNode? NodeAt(uint address)
    {
        using (_mutex.Acquire())
        {
            foreach (GgttNode n in _nodes)
            {
                if (address >= n.Offset && address < n.End)
                {
                    return n;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The node containing <paramref name="address"/> and its first <paramref name="maxBytes"/> bytes as dwords (fewer
    /// when a page faults), read under the mutex that every unbind and PTE rewrite takes, and only when
    /// <paramref name="stillOwned"/> says, under that mutex, that the node is still the one the caller means (the
    /// error capture: its request has not signalled, so its batch cannot have been unbound and freed). Null, with no
    /// dwords, when nothing is bound there or the check fails.
    /// </summary>
    public GgttNode? ReadNodeAt(uint address, int maxBytes, Func<GgttNode, bool> stillOwned, out uint[] dwords)
    {
        ArgumentNullException.ThrowIfNull(stillOwned);
        dwords = [];
        using (_mutex.Acquire())
        {
            GgttNode? node = _nodes.Find(n => address >= n.Offset && address < n.End);
            if (node is null || !stillOwned(node))
            {
                return null;
            }

            uint[] read = new uint[(int)Math.Min(node.Size, Math.Max(maxBytes, 0)) / 4];
            // A page at a time (node offsets are page aligned): a capture copies megabytes while the engine waits for
            // its reset, so not a PTE lookup per dword. A snapshot: no ordering with writers beyond the mutex.
            const int PageDwords = DeviceMemory.PageSize / 4;
            for (int i = 0; i < read.Length; i += PageDwords)
            {
                nint page = PteAt(node.Offset + (uint)i * 4);
                if (page == 0)
                {
                    read = read[..i];
                    break;
                }

                int n = Math.Min(PageDwords, read.Length - i);
                new ReadOnlySpan<uint>((void*)page, n).CopyTo(read.AsSpan(i, n));
            }

            GC.KeepAlive(this);
            dwords = read;
            return node;
        }
    }

    private void WritePtes(GgttNode node)
    {
        long first = node.Offset >> PageShift;
        PageList pages = node.Object.Pages;
        // The arena is recorded before any PTE points into it (both under the mutex; readers only follow PTEs).
        _arenas.Add(pages.Arena);
        for (int i = 0; i < pages.Count; i++)
        {
            Volatile.Write(ref _ptes[first + i], (nint)pages.PageAddress(i));
        }
    }

    /// <summary>
    /// i915_gem_evict_something's scan, over the users' range (never page 0, as the driver's own placements): the lowest
    /// range of <paramref name="size"/> bytes on <paramref name="alignment"/> whose every bound node
    /// <paramref name="evictable"/> accepts, or null when there is none. The predicate runs under the GGTT mutex
    /// (ordered against Insert's pins) and takes no lock of its own; the caller evicts the range afterwards, and the
    /// unbind checks pins and idleness again under the mutex.
    /// </summary>
    public uint? FindEvictableRange(long size, uint alignment, Func<GgttNode, bool> evictable)
    {
        ArgumentNullException.ThrowIfNull(evictable);
        using (_mutex.Acquire())
        {
            long candidate = Align(DeviceMemory.PageSize, alignment);
            while (candidate + size <= UserSize)
            {
                GgttNode? blocker = null;
                foreach (GgttNode n in _nodes)
                {
                    if (n.Offset >= candidate + size)
                    {
                        break;
                    }

                    if (n.End > candidate && !evictable(n))
                    {
                        blocker = n;
                        break;
                    }
                }

                if (blocker is null)
                {
                    return (uint)candidate;
                }

                // Nodes do not overlap and are sorted: nothing before the blocker's end can hold the range.
                candidate = Align(blocker.End, alignment);
            }

            return null;
        }
    }

    private uint CheckFixed(uint offset, long size)
    {
        if ((offset & (DeviceMemory.PageSize - 1)) != 0)
        {
            throw DriverException.Inval($"offset 0x{offset:x} is not page aligned");
        }

        if (offset + size > Size)
        {
            throw DriverException.Inval($"range 0x{offset:x}+0x{size:x} exceeds the {Size}-byte GGTT");
        }

        foreach (GgttNode n in _nodes)
        {
            if (offset < n.End && n.Offset < offset + size)
            {
                throw new DriverException(Errno.ENOSPC, $"range 0x{offset:x}+0x{size:x} overlaps {n.Object}");
            }
        }

        return offset;
    }

    private uint FindFree(BufferObject bo, long size, uint alignment)
    {
        // The driver's own objects above the users' range while it has room, else among the users' objects.
        if ((bo.Flags & BoFlags.Kernel) != 0 && FindFree(UserSize, Size, size, alignment) is { } kernel)
        {
            return kernel;
        }

        // Never page 0 for a placement the driver chooses: a jump or store to a null address keeps faulting, and a
        // relocation's presumed offset 0 (userspace's "not known yet") never matches by accident.
        return FindFree(DeviceMemory.PageSize, UserSize, size, alignment)
            ?? throw new DriverException(Errno.ENOSPC, $"no room for {size} bytes in the GGTT");
    }

    /// <summary>The lowest free range of <paramref name="size"/> bytes in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    private uint? FindFree(long from, long to, long size, uint alignment)
    {
        long candidate = Align(from, alignment);
        foreach (GgttNode n in _nodes)
        {
            if (n.End <= candidate)
            {
                continue;
            }

            if (candidate + size <= n.Offset)
            {
                break;
            }

            candidate = Math.Max(candidate, Align(n.End, alignment));
        }

        return candidate + size <= to ? (uint)candidate : null;
    }

    private static long Align(long value, uint alignment) => (value + alignment - 1) & ~((long)alignment - 1);
}
