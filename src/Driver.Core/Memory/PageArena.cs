using System.Diagnostics;
using System.Runtime.InteropServices;
using Driver.Core.Errors;

namespace Driver.Core.Memory;

/// <summary>
/// One block of native memory that pages are handed out from: on Linux a memfd (sparse: untouched pages cost nothing)
/// mapped MAP_SHARED, so another process that maps <see cref="Fd"/> sees the very bytes the engines read and write —
/// a CPU store through its mapping ends a spinner, an engine's store is seen through it. Elsewhere plain zeroed native
/// memory (<see cref="Fd"/> is -1). Pages are allocated in contiguous runs where a free run is long enough, and read
/// zero when handed out, as a fresh GEM object does.
/// </summary>
/// <remarks>
/// <para>Lifetime (the memory-safety rule). Readers — the engines' dword fetch above all — dereference raw addresses
/// into the mapping without a check, so the mapping must outlive every path that can reach one. It is therefore
/// unmapped only by this object's finalizer, never by a Dispose: every holder of an address into the arena (a
/// <see cref="Page"/>, a <see cref="PageList"/>, the GGTT's set of arenas behind its PTEs) references this object,
/// and every raw access is followed by a <see cref="GC.KeepAlive"/> of its holder, so the finalizer can run only once
/// no thread can reach an address. A Dispose would need a check on every access (or a use-after-unmap segfault,
/// which kills the test host); a finalizer costs nothing on the hot path. A <see cref="HandleCollector"/> counts live
/// arenas, so a run that creates thousands of devices collects the dead ones' fds and mappings in time.</para>
/// <para>Freed pages are given back to the system at once on a memfd (FALLOC_FL_PUNCH_HOLE), so a dead device's
/// memory does not wait for the finalizer; zeroing on allocation covers a late store into a freed page.</para>
/// </remarks>
public sealed unsafe class PageArena
{
    /// <summary>Bytes per page.</summary>
    public const int PageSize = 4096;

    private static readonly HandleCollector s_arenas = new("GpuSim page arenas", 64, 1024);

    private readonly byte* _base;

    /// <summary>Guards <see cref="_free"/>, <see cref="_highWater"/> and <see cref="_used"/>: a leaf, nothing is called under it but memset/fallocate.</summary>
    private readonly Lock _lock = new();

    /// <summary>Free extents (first page, page count), sorted by first page, never adjacent (merged on free).</summary>
    private readonly List<(long Start, long Count)> _free = new();

    /// <summary>Pages at and above this were never handed out, so they still read zero and need no zeroing.</summary>
    private long _highWater;

    private long _used;

    /// <summary>Creates an arena of <paramref name="sizeBytes"/> (a positive page multiple).</summary>
    /// <param name="sizeBytes">Size in bytes.</param>
    /// <param name="name">The memfd's name (shown in /proc/PID/fd), for debugging.</param>
    /// <param name="shared">Whether to back it with a memfd where the platform has one (else native memory).</param>
    public PageArena(long sizeBytes, string name = "gpusim-arena", bool shared = true)
    {
        if (sizeBytes <= 0 || sizeBytes % PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), "an arena is a positive multiple of 4096 bytes");
        }

        Size = sizeBytes;
        PageCount = sizeBytes / PageSize;
        Fd = -1;
        if (shared && OperatingSystem.IsLinux() && TryMapMemfd(name, sizeBytes, out int fd, out nint address))
        {
            Fd = fd;
            _base = (byte*)address;
        }
        else
        {
            _base = (byte*)NativeMemory.AllocZeroed((nuint)sizeBytes);
        }

        _free.Add((0, PageCount));
        s_arenas.Add();
    }

    /// <summary>Unmaps the arena: reached only when nothing references it any more (see the remarks).</summary>
    ~PageArena()
    {
        if (Fd >= 0)
        {
            _ = LibC.Munmap((nint)_base, (nuint)Size);
            _ = LibC.Close(Fd);
        }
        else
        {
            NativeMemory.Free(_base);
        }

        s_arenas.Remove();
    }

    /// <summary>The memfd backing the arena, or -1 when it is plain native memory. Owned by the arena: do not close.</summary>
    public int Fd { get; }

    /// <summary>Size in bytes.</summary>
    public long Size { get; }

    /// <summary>Size in pages.</summary>
    public long PageCount { get; }

    /// <summary>Pages handed out and not freed.</summary>
    public long UsedPages { get { lock (_lock) { return _used; } } }

    /// <summary>Number of free extents (fragmentation, for tests).</summary>
    public int FreeExtents { get { lock (_lock) { return _free.Count; } } }

    /// <summary>Address of byte 0 of page <paramref name="number"/>; the caller keeps the arena alive across the access.</summary>
    internal byte* PageAddress(long number)
    {
        Debug.Assert((ulong)number < (ulong)PageCount, "page number outside the arena");
        return _base + number * PageSize;
    }

    /// <summary>
    /// Allocates <paramref name="count"/> zeroed pages: one contiguous run when a free extent is long enough (the
    /// lowest such), else the lowest free pages in order. Null when fewer than <paramref name="count"/> are free.
    /// </summary>
    public long[]? TryAllocate(int count)
    {
        if (count <= 0)
        {
            throw DriverException.Inval("page count must be positive");
        }

        lock (_lock)
        {
            if (_used + count > PageCount)
            {
                return null;
            }

            long[] numbers = new long[count];
            int filled = 0;
            int fit = _free.FindIndex(e => e.Count >= count);
            if (fit >= 0)
            {
                filled = Take(fit, count, numbers, 0);
            }
            else
            {
                while (filled < count)
                {
                    filled = Take(0, count - filled, numbers, filled);
                }
            }

            _used += count;
            return numbers;
        }
    }

    /// <summary>Gives pages back (once each; a memfd's are released to the system at once).</summary>
    public void Free(ReadOnlySpan<long> numbers)
    {
        lock (_lock)
        {
            int i = 0;
            while (i < numbers.Length)
            {
                long start = numbers[i];
                long count = 1;
                while (i + count < numbers.Length && numbers[(int)(i + count)] == start + count)
                {
                    count++;
                }

                Release(start, count);
                i += (int)count;
            }

            _used -= numbers.Length;
        }
    }

    /// <summary>Takes up to <paramref name="want"/> pages from the front of extent <paramref name="index"/>; returns the new fill.</summary>
    private int Take(int index, int want, long[] numbers, int filled)
    {
        (long start, long count) = _free[index];
        long n = Math.Min(want, count);
        if (n == count)
        {
            _free.RemoveAt(index);
        }
        else
        {
            _free[index] = (start + n, count - n);
        }

        // Pages below the high-water mark were handed out before: zero them (a late store may have dirtied a freed
        // page after its punch). Pages above it were never touched.
        long dirtyEnd = Math.Min(start + n, _highWater);
        if (dirtyEnd > start)
        {
            Zero(start, dirtyEnd - start);
        }

        _highWater = Math.Max(_highWater, start + n);
        for (long p = 0; p < n; p++)
        {
            numbers[filled++] = start + p;
        }

        return filled;
    }

    private void Release(long start, long count)
    {
        Debug.Assert(start >= 0 && start + count <= _highWater, "freeing pages never handed out");
        if (Fd >= 0)
        {
            // Best effort: the memory goes back now; if the punch fails, zeroing on allocation still holds.
            _ = LibC.Fallocate(Fd, LibC.FallocPunchHole, start * PageSize, count * PageSize);
        }

        int at = _free.FindIndex(e => e.Start > start);
        if (at < 0)
        {
            at = _free.Count;
        }

        Debug.Assert(at == 0 || _free[at - 1].Start + _free[at - 1].Count <= start, "double free (overlaps a free extent)");
        Debug.Assert(at == _free.Count || start + count <= _free[at].Start, "double free (overlaps a free extent)");
        bool joinsPrevious = at > 0 && _free[at - 1].Start + _free[at - 1].Count == start;
        bool joinsNext = at < _free.Count && start + count == _free[at].Start;
        if (joinsPrevious && joinsNext)
        {
            _free[at - 1] = (_free[at - 1].Start, _free[at - 1].Count + count + _free[at].Count);
            _free.RemoveAt(at);
        }
        else if (joinsPrevious)
        {
            _free[at - 1] = (_free[at - 1].Start, _free[at - 1].Count + count);
        }
        else if (joinsNext)
        {
            _free[at] = (start, count + _free[at].Count);
        }
        else
        {
            _free.Insert(at, (start, count));
        }
    }

    private void Zero(long start, long count)
    {
        if (Fd >= 0 && LibC.Fallocate(Fd, LibC.FallocPunchHole, start * PageSize, count * PageSize) == 0)
        {
            return;
        }

        NativeMemory.Clear(_base + start * PageSize, (nuint)(count * PageSize));
    }

    private static bool TryMapMemfd(string name, long size, out int fd, out nint address)
    {
        address = 0;
        try
        {
            fd = LibC.MemfdCreate(name, LibC.MfdCloexec);
        }
        catch (EntryPointNotFoundException)
        {
            fd = -1;
        }

        if (fd < 0)
        {
            return false;
        }

        if (LibC.Ftruncate(fd, size) == 0)
        {
            address = LibC.Mmap(0, (nuint)size, LibC.ProtReadWrite, LibC.MapShared, fd, 0);
            if (address != LibC.MapFailed)
            {
                return true;
            }
        }

        _ = LibC.Close(fd);
        fd = -1;
        address = 0;
        return false;
    }
}
