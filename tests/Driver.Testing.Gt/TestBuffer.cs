using Driver.Core.Memory;
using Driver.Engines.Isa;

namespace Driver.Testing.Gt;

/// <summary>A buffer object bound into the GGTT, with its handle (0 when made without the uAPI) and a CPU mapping.</summary>
public sealed class TestBuffer(int handle, BufferObject bo)
{
    /// <summary>uAPI handle, 0 for objects made directly on an <see cref="Driver.Engines.Gt.IntelGt"/>.</summary>
    public int Handle { get; } = handle;

    /// <summary>The object.</summary>
    public BufferObject Object { get; } = bo;

    /// <summary>CPU mapping of the object.</summary>
    public BufferMapping Map { get; } = new(bo);

    /// <summary>GGTT address of byte 0.</summary>
    public uint Address => Object.GgttOffset;

    /// <summary>GGTT address of dword <paramref name="index"/>.</summary>
    public uint At(int index) => Address + (uint)index * 4;

    /// <summary>Dword <paramref name="index"/>, read and written through the CPU mapping.</summary>
    public uint this[int index]
    {
        get => Map[index];
        set => Map[index] = value;
    }

    /// <summary>Writes a batch at byte 0.</summary>
    public void Write(BatchBuilder batch) => Object.WriteDwords(0, batch.ToArray());
}
