using Driver.Core.Errors;
using Driver.Core.Memory;

namespace Driver.Core.Tests.Memory;

/// <summary>
/// The native page arena behind device memory: zeroed pages on allocation even after reuse (a fresh GEM object reads
/// zero: shmem hands out cleared pages), ENOMEM on exhaustion, contiguous runs, and runs that cover an object.
/// </summary>
public sealed class PageArenaTests
{
    private const int Page = DeviceMemory.PageSize;

    /// <summary>A page written, freed and handed out again reads zero (shmem_get_folio gives cleared pages).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReusedPagesReadZero(bool shared)
    {
        var arena = new PageArena(8 * Page, shared: shared);
        long[] first = arena.TryAllocate(8)!;
        var pages = new PageList(arena, first);
        for (int i = 0; i < 8; i++)
        {
            pages[i].WriteDword(0, 0xdead0000u + (uint)i);
            pages[i].WriteDword(DeviceMemory.DwordsPerPage - 1, 0xbeef);
        }

        arena.Free(first);
        Assert.Equal(0, arena.UsedPages);
        var again = new PageList(arena, arena.TryAllocate(8)!);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(0u, again[i].ReadDword(0));
            Assert.Equal(0u, again[i].ReadDword(DeviceMemory.DwordsPerPage - 1));
        }
    }

    /// <summary>Through a BufferObject too: a freed object's contents never show in the next one.</summary>
    [Fact]
    public void NewObjectOverAFreedOneReadsZero()
    {
        var memory = new DeviceMemory(4 * Page);
        var a = new BufferObject(memory, 4 * Page, BoFlags.None);
        for (long off = 0; off < a.Size; off += 4)
        {
            a.WriteDword(off, 0xffffffff);
        }

        a.Free();
        var b = new BufferObject(memory, 4 * Page, BoFlags.None);
        for (long off = 0; off < b.Size; off += 4)
        {
            Assert.Equal(0u, b.ReadDword(off));
        }
    }

    /// <summary>i915_gem_object_create: no pages left is ENOMEM, and a failed allocation takes nothing.</summary>
    [Fact]
    public void ExhaustionIsEnomemAndTakesNothing()
    {
        var memory = new DeviceMemory(4 * Page);
        var a = new BufferObject(memory, 3 * Page, BoFlags.None);
        DriverException e = Assert.Throws<DriverException>(() => memory.Allocate(2));
        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Equal(3, memory.UsedPages);
        Assert.Null(memory.Arena.TryAllocate(2));
        a.Free();
        Assert.Equal(0, memory.UsedPages);
        Assert.Equal(4, memory.Allocate(4).Count);
    }

    /// <summary>Objects are one run where a free run is long enough; the free list merges neighbours back.</summary>
    [Fact]
    public void ObjectsAreContiguousWhenTheyFitAndFreedRunsMerge()
    {
        var memory = new DeviceMemory(16 * Page);
        var a = new BufferObject(memory, 4 * Page, BoFlags.None);
        var b = new BufferObject(memory, 4 * Page, BoFlags.None);
        var c = new BufferObject(memory, 4 * Page, BoFlags.None);
        Assert.Single(a.ArenaRuns());
        Assert.Single(b.ArenaRuns());
        a.Free();
        c.Free();
        // Free: [0,4) and [8,16) merged with the tail.
        Assert.Equal(2, memory.Arena.FreeExtents);
        var d = new BufferObject(memory, 6 * Page, BoFlags.None);
        Assert.Equal([new PageRun(8L * Page, 6L * Page)], d.ArenaRuns());
        b.Free();
        d.Free();
        Assert.Equal(1, memory.Arena.FreeExtents);
    }

    /// <summary>
    /// When no free run is long enough the object takes several, in object order; the runs cover it exactly, and a
    /// dword written at an object offset is at the arena offset its run names.
    /// </summary>
    [Fact]
    public void FragmentedObjectRunsCoverItInOrder()
    {
        var memory = new DeviceMemory(8 * Page);
        var holes = new BufferObject[8];
        for (int i = 0; i < 8; i++)
        {
            holes[i] = new BufferObject(memory, Page, BoFlags.None);
        }

        holes[1].Free();
        holes[3].Free();
        holes[4].Free();
        holes[6].Free();
        var bo = new BufferObject(memory, 4 * Page, BoFlags.None);
        IReadOnlyList<PageRun> runs = bo.ArenaRuns();
        Assert.Equal([new PageRun(1L * Page, Page), new PageRun(3L * Page, 2L * Page), new PageRun(6L * Page, Page)], runs);
        Assert.Equal(bo.Size, runs.Sum(r => r.Length));
        long objectOffset = 0;
        foreach (PageRun run in runs)
        {
            for (long p = 0; p < run.Length; p += Page)
            {
                bo.WriteDword(objectOffset + p + 8, (uint)(run.ArenaOffset + p));
            }

            objectOffset += run.Length;
        }

        for (int i = 0; i < bo.Pages.Count; i++)
        {
            Assert.Equal((uint)bo.Pages[i].ArenaOffset, bo.Pages[i].ReadDword(2));
        }
    }

    /// <summary>A 1 GiB device costs nothing until touched: the memfd is sparse.</summary>
    [Fact]
    public void LargeArenaIsSparse()
    {
        var memory = new DeviceMemory(1L << 30);
        var bo = new BufferObject(memory, 256L << 20, BoFlags.None);
        bo.WriteDword(bo.Size - 4, 7);
        Assert.Equal(7u, bo.ReadDword(bo.Size - 4));
        Assert.Equal(0u, bo.ReadDword(0));
        Assert.Equal(1L << 30, memory.ArenaSize);
    }
}
