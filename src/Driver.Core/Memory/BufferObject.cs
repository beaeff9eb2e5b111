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
