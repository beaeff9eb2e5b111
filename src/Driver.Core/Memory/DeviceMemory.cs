using Driver.Core.Errors;

namespace Driver.Core.Memory;

/// <summary>
/// Simulated device memory: one <see cref="PageArena"/> of 4 KiB pages — on Linux a memfd that a DRM server can hand
/// to its clients (<see cref="ArenaFd"/>), so GEM memory is truly shared between a test process and the simulator.
/// Pages are what the GGTT maps and the command streamer reads dwords from. New pages read back as zeros, as freshly
/// allocated GEM objects do; an allocation beyond the size is ENOMEM.
/// </summary>
public sealed class DeviceMemory
{
    /// <summary>Bytes per page.</summary>
    public const int PageSize = PageArena.PageSize;

    /// <summary>Dwords per page.</summary>
    public const int DwordsPerPage = PageSize / 4;

    /// <summary>Creates a memory of <paramref name="sizeBytes"/> (a multiple of the page size).</summary>
    public DeviceMemory(long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes % PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), "device memory is a positive multiple of 4096 bytes");
        }

        Arena = new PageArena(sizeBytes, "gpusim-device-memory");
    }

    /// <summary>The arena the pages come from.</summary>
    public PageArena Arena { get; }

    /// <summary>The arena's memfd, for a DRM server to pass to clients (they map it MAP_SHARED); -1 when not a memfd.</summary>
    public int ArenaFd => Arena.Fd;

    /// <summary>The arena's size in bytes (what a client maps).</summary>
    public long ArenaSize => Arena.Size;

    /// <summary>Page budget.</summary>
    public long TotalPages => Arena.PageCount;

    /// <summary>Pages currently allocated.</summary>
    public long UsedPages => Arena.UsedPages;

    /// <summary>Allocates <paramref name="count"/> zeroed pages, or throws ENOMEM when the memory is exhausted.</summary>
    public PageList Allocate(int count)
    {
        if (count <= 0)
        {
            throw DriverException.Inval("page count must be positive");
        }

        long[] numbers = Arena.TryAllocate(count)
            ?? throw new DriverException(Errno.ENOMEM, $"device memory exhausted ({TotalPages} pages)");
        return new PageList(Arena, numbers);
    }

    /// <summary>Returns <paramref name="pages"/> (allocated here, once) to the memory.</summary>
    public void Free(PageList pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        if (pages.Arena != Arena)
        {
            throw new ArgumentException("pages of another arena", nameof(pages));
        }

        Arena.Free(pages.Numbers);
    }
}
