using Driver.Core.Memory;

namespace Driver.Drm.I915;

/// <summary>
/// Byte access to an object whose pages are dwords (PREAD / PWRITE at any offset and length): whole dwords are
/// copied as they are, a partial dword at either end is read, merged and written back. The caller has checked the
/// range. A partial-dword write is not atomic against a GPU store to the same dword, as a CPU byte write through a
/// WB mmap would be; pwrite waits for the object to be idle first, so no batch of this client races with it.
/// </summary>
public static class GemObjectBytes
{
    /// <summary>Copies bytes [<paramref name="offset"/>, +destination.Length) of <paramref name="bo"/>.</summary>
    public static void Read(BufferObject bo, long offset, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(bo);
        for (int i = 0; i < destination.Length;)
        {
            long at = offset + i;
            uint dword = bo.ReadDword(at & ~3L);
            int shift = (int)(at & 3);
            int take = Math.Min(4 - shift, destination.Length - i);
            for (int k = 0; k < take; k++)
            {
                destination[i + k] = (byte)(dword >> (8 * (shift + k)));
            }

            i += take;
        }
    }

    /// <summary>Writes <paramref name="source"/> at byte <paramref name="offset"/> of <paramref name="bo"/>.</summary>
    public static void Write(BufferObject bo, long offset, ReadOnlySpan<byte> source)
    {
        ArgumentNullException.ThrowIfNull(bo);
        for (int i = 0; i < source.Length;)
        {
            long at = offset + i;
            long aligned = at & ~3L;
            int shift = (int)(at & 3);
            int take = Math.Min(4 - shift, source.Length - i);
            uint dword = take == 4 ? 0 : bo.ReadDword(aligned);
            for (int k = 0; k < take; k++)
            {
                int bit = 8 * (shift + k);
                dword = (dword & ~(0xffu << bit)) | ((uint)source[i + k] << bit);
            }

            bo.WriteDword(aligned, dword);
            i += take;
        }
    }
}
