using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Driver.Core.Memory;

/// <summary>
/// One 4 KiB page of a <see cref="PageArena"/>: the unit the GGTT maps and a CPU mm hands out. Holding it keeps the
/// arena mapped. Dword accesses are <see cref="Volatile"/>, so a CPU store is seen by an engine thread polling it.
/// </summary>
public readonly unsafe record struct Page(PageArena Arena, long Number)
{
    /// <summary>Byte offset of the page in its arena (and in the arena's memfd).</summary>
    public long ArenaOffset => Number * PageArena.PageSize;

    /// <summary>Reads dword <paramref name="index"/> (0..1023).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadDword(int index)
    {
        Debug.Assert((uint)index < DeviceMemory.DwordsPerPage, "dword index outside the page");
        uint value = Volatile.Read(ref *((uint*)Arena.PageAddress(Number) + index));
        GC.KeepAlive(Arena);
        return value;
    }

    /// <summary>Writes dword <paramref name="index"/> (0..1023).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDword(int index, uint value)
    {
        Debug.Assert((uint)index < DeviceMemory.DwordsPerPage, "dword index outside the page");
        Volatile.Write(ref *((uint*)Arena.PageAddress(Number) + index), value);
        GC.KeepAlive(Arena);
    }

    /// <summary>Zeroes <paramref name="count"/> dwords from <paramref name="index"/>, each a volatile store.</summary>
    public void Clear(int index, int count)
    {
        Debug.Assert(index >= 0 && count >= 0 && index + count <= DeviceMemory.DwordsPerPage, "range outside the page");
        for (int i = index; i < index + count; i++)
        {
            WriteDword(i, 0);
        }
    }
}
