using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Resv;

namespace Driver.Core.Memory;

/// <summary>
/// A buffer object (GEM object): a size, backing pages in device memory, and at most one binding into the GGTT.
/// Its contents are read and written dword-wise by the CPU (through <see cref="BufferMapping"/>) and by engines
/// (through the GGTT); both go through <see cref="Volatile"/> accesses so that a CPU write such as a spinner's
/// BATCH_BUFFER_END is seen by an engine thread polling the same dword.
/// </summary>
public sealed class BufferObject
{
    private static long s_nextId;
    // Null for an import (another device's pages, the exporter's to free) and for a userptr object (the process's pages).
    private readonly DeviceMemory? _memory;
    private int _freed;

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
        Pages = memory.Allocate((int)(Size / DeviceMemory.PageSize));
        Resv = new DmaResv();
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>
    /// A userptr object: backed by <paramref name="pages"/>, pages a process owns (its simulated CPU mm), not by device
    /// memory, so they are not counted against it. The owner repoints the slots of <see cref="Pages"/> when it gets
    /// the pages again after an invalidation (and rewrites the GGTT PTEs with <see cref="Ggtt.RefreshPtes"/>).
    /// </summary>
    public BufferObject(uint[][] pages, BoFlags flags)
    {
        ArgumentNullException.ThrowIfNull(pages);
        if (pages.Length == 0 || (flags & ~(BoFlags.Kernel | BoFlags.Capture)) != 0)
        {
            throw DriverException.Inval("a userptr object needs pages and known flags");
        }

        Size = (long)pages.Length * DeviceMemory.PageSize;
        Flags = flags;
        Pages = pages;
        Resv = new DmaResv();
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>
    /// An imported object (drm_gem_prime_import): the exporter's pages as mapped by an attachment, and the exporter's
    /// reservation object itself (obj->resv = dma_buf->resv), so implicit sync spans both devices. Allocates nothing.
    /// </summary>
    public BufferObject(BufferObject exporter, uint[][] mappedPages)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        ArgumentNullException.ThrowIfNull(mappedPages);
        Size = exporter.Size;
        Flags = exporter.Flags;
        Pages = mappedPages;
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

    /// <summary>Backing pages.</summary>
    public uint[][] Pages { get; private set; }

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
    public uint ReadDword(long offset) =>
        Volatile.Read(ref Pages[offset >> 12][(offset & 0xfff) >> 2]);

    /// <summary>Writes the dword at byte <paramref name="offset"/> (4-aligned, in range: caller checked).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDword(long offset, uint value) =>
        Volatile.Write(ref Pages[offset >> 12][(offset & 0xfff) >> 2], value);

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
    public uint[][] ReplacePages(uint[][] pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        Debug.Assert(pages.Length == Pages.Length, "a move or a new mapping keeps the object's size");
        uint[][] old = Pages;
        Pages = pages;
        return old;
    }

    /// <summary>Releases the pages back to device memory (once); nothing for an import, whose pages are the exporter's.</summary>
    public void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0)
        {
            _memory?.Free(Pages.Length);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"bo#{Id} {Size}B" + (Binding is { } b ? $" @0x{b.Offset:x8}" : "");
}
