using System.Runtime.CompilerServices;
using Driver.Core.Errors;
using Driver.Core.Locking;

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
    private readonly DeviceMemory _memory;
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
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>Device-unique id (handles are per client; this is for logs and error states).</summary>
    public long Id { get; }

    /// <summary>Size in bytes, a whole number of pages.</summary>
    public long Size { get; }

    /// <summary>Creation flags.</summary>
    public BoFlags Flags { get; }

    /// <summary>Backing pages.</summary>
    public uint[][] Pages { get; }

    /// <summary>The GGTT binding, or null when unbound; written under the GGTT lock.</summary>
    public GgttNode? Binding { get; internal set; }

    /// <summary>
    /// The fence of the last request that used this object (its reservation's fence): the object is busy until it
    /// signals. Written by execbuf, read by wait and busy queries.
    /// </summary>
    public Fences.DmaFence? LastFence
    {
        get => Volatile.Read(ref _lastFence);
        set => Volatile.Write(ref _lastFence, value);
    }
    private Fences.DmaFence? _lastFence;

    /// <summary>
    /// Every request that used the object and had not signalled when the next one was added (its reservation's shared
    /// fences): the object is idle only once all of them have signalled. <see cref="LastFence"/> alone is not enough
    /// for that: requests on different engines complete in any order, so the last one submitted may signal while an
    /// earlier one is still queued behind a hang, and an object released then (a closed client's) had its GGTT range
    /// reused while that request still read or wrote it. Signalled fences are pruned at each <see cref="AddReader"/>.
    /// </summary>
    public IReadOnlyList<Fences.DmaFence> Readers => Volatile.Read(ref _readers);
    private Fences.DmaFence[] _readers = [];

    /// <summary>Adds a request that uses the object (dma_resv_add_fence, shared), dropping the readers that signalled.</summary>
    public void AddReader(Fences.DmaFence fence)
    {
        // Copy-on-write with compare-and-swap: execbufs of several threads may add to one object at once.
        Fences.DmaFence[] old = Volatile.Read(ref _readers);
        while (true)
        {
            Fences.DmaFence[] updated = [.. old.Where(f => !f.IsSignaled), fence];
            Fences.DmaFence[] seen = Interlocked.CompareExchange(ref _readers, updated, old);
            if (seen == old)
            {
                return;
            }

            old = seen;
        }
    }

    /// <summary>
    /// The fence of the last writer (its reservation's exclusive fence): a request written with EXEC_OBJECT_WRITE or
    /// an external writer such as a vgem fence. Every later user of the object waits for it (implicit
    /// synchronisation); <see cref="LastFence"/> is set along with it.
    /// </summary>
    public Fences.DmaFence? WriteFence
    {
        get => Volatile.Read(ref _writeFence);
        set => Volatile.Write(ref _writeFence, value);
    }
    private Fences.DmaFence? _writeFence;

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

    /// <summary>Releases the pages back to device memory (once).</summary>
    public void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0)
        {
            _memory.Free(Pages.Length);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"bo#{Id} {Size}B" + (Binding is { } b ? $" @0x{b.Offset:x8}" : "");
}
