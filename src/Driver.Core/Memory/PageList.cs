using System.Runtime.CompilerServices;

namespace Driver.Core.Memory;

/// <summary>
/// An object's backing: pages of one <see cref="PageArena"/> in object order (an sg_table). Immutable: an object
/// that changes placement (a move, a userptr rebuild, an importer's new mapping) gets a new list. Holding it keeps
/// the arena mapped.
/// </summary>
public sealed unsafe class PageList
{
    private readonly long[] _numbers;

    /// <summary>Backs an object with <paramref name="numbers"/>, pages of <paramref name="arena"/> in object order.</summary>
    public PageList(PageArena arena, long[] numbers)
    {
        ArgumentNullException.ThrowIfNull(arena);
        ArgumentNullException.ThrowIfNull(numbers);
        foreach (long n in numbers)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(n);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(n, arena.PageCount);
        }

        Arena = arena;
        _numbers = numbers;
    }

    /// <summary>The arena the pages are in.</summary>
    public PageArena Arena { get; }

    /// <summary>Number of pages.</summary>
    public int Count => _numbers.Length;

    /// <summary>Page <paramref name="index"/> of the object.</summary>
    public Page this[int index] => new(Arena, _numbers[index]);

    /// <summary>The arena page numbers, in object order.</summary>
    public ReadOnlySpan<long> Numbers => _numbers;

    /// <summary>Address of byte 0 of object page <paramref name="index"/> (bounds-checked); the caller keeps this list alive across the access.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte* PageAddress(int index) => Arena.PageAddress(_numbers[index]);

    /// <summary>The backing as arena byte runs in object order, consecutive pages merged (most objects: one run).</summary>
    public IReadOnlyList<PageRun> Runs()
    {
        var runs = new List<PageRun>();
        int i = 0;
        while (i < _numbers.Length)
        {
            int n = 1;
            while (i + n < _numbers.Length && _numbers[i + n] == _numbers[i] + n)
            {
                n++;
            }

            runs.Add(new PageRun(_numbers[i] * PageArena.PageSize, (long)n * PageArena.PageSize));
            i += n;
        }

        return runs;
    }

    /// <summary>Copies every page's contents to <paramref name="destination"/> (same page count).</summary>
    public void CopyTo(PageList destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Count != Count)
        {
            throw new ArgumentException("a copy keeps the page count", nameof(destination));
        }

        for (int i = 0; i < Count; i++)
        {
            Buffer.MemoryCopy(PageAddress(i), destination.PageAddress(i), PageArena.PageSize, PageArena.PageSize);
        }

        GC.KeepAlive(this);
        GC.KeepAlive(destination);
    }
}
