using Driver.Core.Errors;

namespace Driver.Core.Memory;

/// <summary>
/// Simulated device memory: a budget of 4 KiB pages. A page is a <c>uint[1024]</c>, the unit the GGTT maps and the
/// command streamer reads dwords from. New pages read back as zeros, as freshly allocated GEM objects do.
/// </summary>
public sealed class DeviceMemory
{
    /// <summary>Bytes per page.</summary>
    public const int PageSize = 4096;

    /// <summary>Dwords per page.</summary>
    public const int DwordsPerPage = PageSize / 4;

    private long _usedPages;

    /// <summary>Creates a memory of <paramref name="sizeBytes"/> (a multiple of the page size).</summary>
    public DeviceMemory(long sizeBytes)
    {
        if (sizeBytes <= 0 || sizeBytes % PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeBytes), "device memory is a positive multiple of 4096 bytes");
        }

        TotalPages = sizeBytes / PageSize;
    }

    /// <summary>Page budget.</summary>
    public long TotalPages { get; }

    /// <summary>Pages currently allocated.</summary>
    public long UsedPages => Volatile.Read(ref _usedPages);

    /// <summary>Allocates <paramref name="count"/> zeroed pages, or throws ENOMEM when the budget is exhausted.</summary>
    public uint[][] Allocate(int count)
    {
        if (count <= 0)
        {
            throw DriverException.Inval("page count must be positive");
        }

        if (Interlocked.Add(ref _usedPages, count) > TotalPages)
        {
            Interlocked.Add(ref _usedPages, -count);
            throw new DriverException(Errno.ENOMEM, $"device memory exhausted ({TotalPages} pages)");
        }
        uint[][] pages = new uint[count][];
        for (int i = 0; i < count; i++)
        {
            pages[i] = new uint[DwordsPerPage];
        }

        return pages;
    }

    /// <summary>Returns pages to the budget.</summary>
    public void Free(int count) => Interlocked.Add(ref _usedPages, -count);
}
