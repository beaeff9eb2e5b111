using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Resv;

namespace Driver.Core.Memory;

/// <summary>
/// A buffer object (GEM object): a size, backing pages in a <see cref="PageArena"/> (device memory, a process's
/// pages for userptr, the exporter's for an import), and at most one binding into the GGTT.
/// Its contents are read and written dword-wise by the CPU (through <see cref="BufferMapping"/>) and by engines
/// (through the GGTT); both go through <see cref="Volatile"/> accesses so that a CPU write such as a spinner's
/// BATCH_BUFFER_END is seen by an engine thread polling the same dword.
/// </summary>
public sealed unsafe class BufferObject
{
    private static long s_nextId;
    // Null for an import (another device's pages, the exporter's to free) and for a userptr object (the process's pages).
    private readonly DeviceMemory? _memory;
    private int _freed;
    private PageList _pages;

    /// <summary>Allocates a BO of <paramref name="size"/> bytes (rounded up to whole pages).</summary>
    public BufferObject(DeviceMemory memory, long size, BoFlags flags)
    {
        // The backing store is allocated with GFP_KERNEL (shmem): reclaim may run, and reclaim may wait on fences.
        Lockdep.MightAlloc();
        if (size <= 0)
        {
            throw DriverException.Inval($"buffer size {size} must be positive");
        }

        if (size > 1L << 30)
        {
            throw DriverException.Inval($"buffer size {size} exceeds the 1 GiB limit");
        }

        if ((flags & ~(BoFlags.Kernel | BoFlags.Capture)) != 0)
        {
            throw DriverException.Inval($"unknown buffer flags 0x{(uint)flags:x}");
        }

        _memory = memory;
        Size = (size + DeviceMemory.PageSize - 1) / DeviceMemory.PageSize * DeviceMemory.PageSize;
        Flags = flags;
        _pages = memory.Allocate((int)(Size / DeviceMemory.PageSize));
        Resv = new DmaResv();
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>
    /// A userptr object: backed by <paramref name="pages"/>, pages a process owns (its simulated CPU mm), not by device
    /// memory, so they are not counted against it. The owner replaces <see cref="Pages"/> when it gets the pages again
    /// after an invalidation (and rewrites the GGTT PTEs with <see cref="Ggtt.RefreshPtes"/>).
    /// </summary>
    public BufferObject(PageList pages, BoFlags flags)
    {
        ArgumentNullException.ThrowIfNull(pages);
        if (pages.Count == 0 || (flags & ~(BoFlags.Kernel | BoFlags.Capture)) != 0)
        {
            throw DriverException.Inval("a userptr object needs pages and known flags");
        }

        Size = (long)pages.Count * DeviceMemory.PageSize;
        Flags = flags;
        _pages = pages;
        Resv = new DmaResv();
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>
    /// An imported object (drm_gem_prime_import): the exporter's pages as mapped by an attachment, and the exporter's
    /// reservation object itself (obj->resv = dma_buf->resv), so implicit sync spans both devices. Allocates nothing.
    /// </summary>
    public BufferObject(BufferObject exporter, PageList mappedPages)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        ArgumentNullException.ThrowIfNull(mappedPages);
        Size = exporter.Size;
        Flags = exporter.Flags;
        _pages = mappedPages;
        Resv = exporter.Resv;
        IsImport = true;
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>Whether this object is another device's buffer imported through a dma-buf attachment.</summary>
    public bool IsImport { get; }

    /// <summary>Device-unique id (handles are per client; this is for logs and error states).</summary>
    public long Id { get; }

    /// <summary>Size in bytes, a whole number of pages.</summary>
    public long Size { get; }

    /// <summary>Creation flags.</summary>
    public BoFlags Flags { get; }

    /// <summary>Backing pages (replaced whole by <see cref="ReplacePages"/>, so a reader sees one placement or the other).</summary>
    public PageList Pages => Volatile.Read(ref _pages);

    /// <summary>
    /// The backing as byte runs of <see cref="PageList.Arena"/> (for device memory, of <see cref="DeviceMemory.ArenaFd"/>)
    /// in object order: what a client maps to see the object. Most objects are one run.
    /// </summary>
    public IReadOnlyList<PageRun> ArenaRuns() => Pages.Runs();

    /// <summary>The GGTT binding, or null when unbound; written under the GGTT lock.</summary>
    public GgttNode? Binding { get; internal set; }

    /// <summary>
    /// The reservation object: every fence using the buffer, by usage, under its ww_mutex. Execbuf adds its request
    /// (WRITE or READ), vgem its fences; GEM_BUSY, GEM_WAIT and implicit sync read it.
    /// </summary>
    public DmaResv Resv { get; }

    /// <summary>GGTT address of byte 0, or throws when unbound.</summary>
    public uint GgttOffset => Binding?.Offset ?? throw new InvalidOperationException("buffer is not bound into the GGTT");

    /// <summary>Reads the dword at byte <paramref name="offset"/> (4-aligned, in range: caller checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadDword(long offset)
    {
        PageList pages = Pages;
        uint value = Volatile.Read(ref *(uint*)(pages.PageAddress((int)(offset >> 12)) + (offset & 0xfff)));
        // The list (and so its arena's mapping) stays alive until the access is done: see PageArena.
        GC.KeepAlive(pages);
        return value;
    }

    /// <summary>Writes the dword at byte <paramref name="offset"/> (4-aligned, in range: caller checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDword(long offset, uint value)
    {
        PageList pages = Pages;
        Volatile.Write(ref *(uint*)(pages.PageAddress((int)(offset >> 12)) + (offset & 0xfff)), value);
        GC.KeepAlive(pages);
    }

    /// <summary>Whether <paramref name="offset"/> names a whole dword inside the object.</summary>
    /// <remarks>Compared as <c>offset &lt;= Size - 4</c>: <c>offset + 4</c> overflows for offsets near
    /// <see cref="long.MaxValue"/>, which would pass a user's offset on to the page lookup.</remarks>
    public bool IsValidDwordOffset(long offset) => offset >= 0 && (offset & 3) == 0 && offset <= Size - 4;

    /// <summary>Writes consecutive dwords starting at byte <paramref name="offset"/> (EINVAL when out of range).</summary>
    public void WriteDwords(long offset, ReadOnlySpan<uint> dwords)
    {
        if (!IsValidDwordOffset(offset) || offset + dwords.Length * 4L > Size)
        {
            throw DriverException.Inval($"write of {dwords.Length} dwords at 0x{offset:x} is outside the {Size}-byte object");
        }

        for (int i = 0; i < dwords.Length; i++)
        {
            WriteDword(offset + i * 4L, dwords[i]);
        }
    }

    /// <summary>
    /// Points the object at <paramref name="pages"/> (a move's destination, or an importer's new mapping) and returns
    /// the old ones. The caller orders it against every user of the old pages: a move does it once every fence of
    /// the reservation it awaited has signalled, an importer under the reservation lock before its next use, which
    /// awaits the move's KERNEL fence. GGTT PTEs are not rewritten here (Ggtt.RefreshPtes).
    /// </summary>
    public PageList ReplacePages(PageList pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        Debug.Assert(pages.Count == Pages.Count, "a move or a new mapping keeps the object's size");
        return Interlocked.Exchange(ref _pages, pages);
    }

    /// <summary>Execbufs between their lookup of this object and the end of their submission (see <see cref="HoldForExecbuf"/>).</summary>
    private int _execbufHolds;

    /// <summary>1 while a release waits for the last execbuf hold to go (see <see cref="DeferReleaseIfHeld"/>).</summary>
    private int _releaseDeferred;

    /// <summary>
    /// An execbuf's reference from its handle lookup to the end of its submission (eb_lookup_vmas takes one on each
    /// object, released with the vmas): the handle may be closed meanwhile, and the object must not be released
    /// under an execbuf that is placing, relocating into and submitting it. Taken under the handle table's lock,
    /// with the lookup (<c>Client.GetObjectHeld</c>), so a close that removed the handle first is seen by the lookup
    /// and one that comes after sees the hold.
    /// </summary>
    public void HoldForExecbuf() => Interlocked.Increment(ref _execbufHolds);

    /// <summary>
    /// Drops an execbuf hold; true when it was the last and a release deferred by <see cref="DeferReleaseIfHeld"/>
    /// is now the caller's to run (once the submission's fence is in the reservations, so the release waits for it).
    /// </summary>
    public bool DropExecbufHold()
    {
        int left = Interlocked.Decrement(ref _execbufHolds);
        Debug.Assert(left >= 0, $"{this}: execbuf hold dropped more often than taken");
        // Full barriers both: pairs with the exchange and read in DeferReleaseIfHeld; one of the two takes the 1.
        return left == 0 && Interlocked.Exchange(ref _releaseDeferred, 0) == 1;
    }

    /// <summary>
    /// The object's last handle is gone: true when an execbuf still holds it, and the last one to drop its hold will
    /// run the release (<see cref="DropExecbufHold"/> returns true there); false when the caller releases it now.
    /// </summary>
    public bool DeferReleaseIfHeld()
    {
        // Published before the holds are read (both full barriers): a hold dropped to zero after this exchange sees
        // the 1 and takes it; one dropped before is seen as zero here, and the exchange back decides who releases.
        Interlocked.Exchange(ref _releaseDeferred, 1);
        if (Volatile.Read(ref _execbufHolds) != 0)
        {
            return true;
        }

        // No hold left: take the release back, unless a hold dropped meanwhile took it already.
        return Interlocked.Exchange(ref _releaseDeferred, 0) == 0;
    }

    /// <summary>
    /// Whether <see cref="Free"/> ran: the pages may belong to another object now, and a mapping that outlived the
    /// release must not reach them (<see cref="BufferMapping"/> answers -EFAULT).
    /// </summary>
    public bool IsFreed => Volatile.Read(ref _freed) != 0;

    /// <summary>Releases the pages back to device memory (once); nothing for an import, whose pages are the exporter's.</summary>
    public void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0)
        {
            _memory?.Free(Pages);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"bo#{Id} {Size}B" + (Binding is { } b ? $" @0x{b.Offset:x8}" : "");
}
