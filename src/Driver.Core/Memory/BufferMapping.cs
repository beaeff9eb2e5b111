using Driver.Core.Errors;

namespace Driver.Core.Memory;

/// <summary>
/// A linear CPU mapping of a buffer object (like a WB mmap): dword-granular reads and writes at byte offsets.
/// Accessors return 0 or a negative errno (<c>-EINVAL</c> for a misaligned or out-of-range offset) rather than
/// throwing, so bad input from a user stays an errno; the indexer is the throwing convenience for tests.
/// </summary>
public sealed class BufferMapping(BufferObject bo)
{
    /// <summary>The mapped object.</summary>
    public BufferObject Object { get; } = bo;

    /// <summary>Size of the mapping in bytes.</summary>
    public long Size => Object.Size;

    /// <summary>Reads the dword at byte <paramref name="offset"/>. Returns 0 or -EINVAL.</summary>
    public int Read(long offset, out uint value)
    {
        if (!Object.IsValidDwordOffset(offset)) { value = 0; return -Errno.EINVAL; }
        value = Object.ReadDword(offset);
        return 0;
    }

    /// <summary>Writes the dword at byte <paramref name="offset"/>. Returns 0 or -EINVAL.</summary>
    public int Write(long offset, uint value)
    {
        if (!Object.IsValidDwordOffset(offset))
        {
            return -Errno.EINVAL;
        }

        Object.WriteDword(offset, value);
        return 0;
    }

    /// <summary>Dword <paramref name="index"/>; throws <see cref="DriverException"/> (EINVAL) when out of range.</summary>
    public uint this[long index]
    {
        get => Read(index * 4, out uint v) == 0 ? v : throw DriverException.Inval($"dword {index} outside {Object}");
        set
        {
            if (Write(index * 4, value) != 0)
            {
                throw DriverException.Inval($"dword {index} outside {Object}");
            }
        }
    }
}
