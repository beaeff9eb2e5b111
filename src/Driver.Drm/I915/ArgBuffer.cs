using System.Buffers.Binary;
using System.Text;

namespace Driver.Drm.I915;

/// <summary>
/// An ioctl's argument as the kernel holds it after drm_ioctl's copy_from_user (kdata): little-endian fields read and
/// written at the uAPI struct's byte offsets. Reads past the end see zeros, as drm_ioctl zero-fills a struct the user
/// passed shorter than the kernel's.
/// </summary>
public sealed class ArgBuffer(byte[] data)
{
    /// <summary>The bytes.</summary>
    public byte[] Data { get; } = data;

    /// <summary>A u16 at <paramref name="offset"/>.</summary>
    public ushort U16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(Data.AsSpan(offset, 2));

    /// <summary>A u32 at <paramref name="offset"/>.</summary>
    public uint U32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Data.AsSpan(offset, 4));

    /// <summary>An s32 at <paramref name="offset"/>.</summary>
    public int S32(int offset) => BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan(offset, 4));

    /// <summary>A u64 at <paramref name="offset"/>.</summary>
    public ulong U64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(Data.AsSpan(offset, 8));

    /// <summary>An s64 at <paramref name="offset"/>.</summary>
    public long S64(int offset) => BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan(offset, 8));

    /// <summary>Writes a u16.</summary>
    public void SetU16(int offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Data.AsSpan(offset, 2), value);

    /// <summary>Writes a u32.</summary>
    public void SetU32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Data.AsSpan(offset, 4), value);

    /// <summary>Writes an s32.</summary>
    public void SetS32(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(Data.AsSpan(offset, 4), value);

    /// <summary>Writes a u64.</summary>
    public void SetU64(int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Data.AsSpan(offset, 8), value);

    /// <summary>Writes an s64.</summary>
    public void SetS64(int offset, long value) => BinaryPrimitives.WriteInt64LittleEndian(Data.AsSpan(offset, 8), value);

    /// <summary>A NUL-terminated string in a fixed char array of <paramref name="length"/> bytes.</summary>
    public string CString(int offset, int length)
    {
        ReadOnlySpan<byte> span = Data.AsSpan(offset, length);
        int end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    /// <summary>Writes <paramref name="value"/> into a fixed char array, truncated and always NUL-terminated.</summary>
    public void SetCString(int offset, int length, string value)
    {
        Span<byte> span = Data.AsSpan(offset, length);
        span.Clear();
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        bytes.AsSpan(0, Math.Min(bytes.Length, length - 1)).CopyTo(span);
    }

    /// <summary>copy_from_user of <paramref name="size"/> bytes at <paramref name="address"/>; null for -EFAULT.</summary>
    public static ArgBuffer? ReadUser(IDrmCaller caller, ulong address, int size)
    {
        ArgumentNullException.ThrowIfNull(caller);
        byte[] data = new byte[size];
        return caller.TryRead(address, data) ? new ArgBuffer(data) : null;
    }

    /// <summary>copy_to_user of the whole buffer; false for -EFAULT.</summary>
    public bool WriteUser(IDrmCaller caller, ulong address)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.TryWrite(address, Data);
    }
}
