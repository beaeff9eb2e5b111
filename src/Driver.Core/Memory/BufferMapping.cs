using Driver.Core.Errors;

namespace Driver.Core.Memory;

/// <summary>
/// A linear CPU mapping of a buffer object (like a WB mmap): dword-granular reads and writes at byte offsets.
/// Accessors return 0 or a negative errno (<c>-EINVAL</c> for a misaligned or out-of-range offset, <c>-EFAULT</c>
/// once the object was released) rather than throwing, so bad input from a user stays an errno; the indexer is the
/// throwing convenience for tests.
/// </summary>
/// <remarks>
/// The mapping holds no reference on the object (i915's vma does, until munmap; this in-process API has no unmap):
/// once the object's last handle is closed and it is released, its pages may go to the next object created, so the
/// mapping answers -EFAULT from then on, as a released object's GTT mmap does. The check is not ordered against a
/// release running at the same moment on another thread (an access racing its own object's close).
/// </remarks>
public sealed class BufferMapping(BufferObject bo)
{
    /// <summary>The mapped object.</summary>
    public BufferObject Object { get; } = bo;

    /// <summary>Size of the mapping in bytes.</summary>
    public long Size => Object.Size;

    /// <summary>Reads the dword at byte <paramref name="offset"/>. Returns 0, -EINVAL or -EFAULT.</summary>
    public int Read(long offset, out uint value)
    {
        value = 0;
        return Read(offset, new Span<uint>(ref value));
    }

    /// <summary>Writes the dword at byte <paramref name="offset"/>. Returns 0, -EINVAL or -EFAULT.</summary>
    public int Write(long offset, uint value) => Write(offset, new ReadOnlySpan<uint>(in value));

    /// <summary>
    /// Writes <paramref name="dwords"/> from byte <paramref name="offset"/> through the mapping: unlike PWRITE it does
    /// not wait for the GPU, which is what a CPU store into a running batch (ending a spinner) or into a free slot of
    /// a batch pool whose other slots are executing needs. Returns 0, -EINVAL (misaligned or out of range) or -EFAULT.
    /// </summary>
    public int Write(long offset, ReadOnlySpan<uint> dwords)
    {
        if (!Object.IsValidDwordOffset(offset) || offset + dwords.Length * 4L > Object.Size)
        {
            return -Errno.EINVAL;
        }

        if (Object.IsFreed)
        {
            return -Errno.EFAULT;
        }

        Object.WriteDwords(offset, dwords);
        return 0;
    }

    /// <summary>Reads dwords from byte <paramref name="offset"/> without waiting for the GPU. Returns 0, -EINVAL or -EFAULT.</summary>
    public int Read(long offset, Span<uint> dwords)
    {
        if (!Object.IsValidDwordOffset(offset) || offset + dwords.Length * 4L > Object.Size)
        {
            return -Errno.EINVAL;
        }

        if (Object.IsFreed)
        {
            return -Errno.EFAULT;
        }

        for (int i = 0; i < dwords.Length; i++)
        {
            dwords[i] = Object.ReadDword(offset + i * 4L);
        }

        return 0;
    }

    /// <summary>Dword <paramref name="index"/>; throws <see cref="DriverException"/> (EINVAL out of range, EFAULT released).</summary>
    public uint this[long index]
    {
        get
        {
            int err = Read(index * 4, out uint v);
            return err == 0 ? v : throw new DriverException(-err, $"dword {index} of {Object}: {Errno.Name(err)}");
        }
        set
        {
            int err = Write(index * 4, value);
            if (err != 0)
            {
                throw new DriverException(-err, $"dword {index} of {Object}: {Errno.Name(err)}");
            }
        }
    }
}
