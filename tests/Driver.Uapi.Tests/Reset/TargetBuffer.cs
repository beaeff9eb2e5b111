using Driver.Core.Memory;

namespace Driver.Uapi.Tests.Reset;

/// <summary>A bound buffer the tests' batches store into, read back through a CPU mapping.</summary>
internal sealed class TargetBuffer
{
    private readonly BufferMapping _map;

    /// <summary>Creates and binds a buffer of <paramref name="size"/> bytes for <paramref name="client"/>.</summary>
    public TargetBuffer(GpuDevice dev, int client, long size = DeviceMemory.PageSize)
    {
        Assert.Equal(0, dev.CreateBuffer(client, size, out int handle));
        Assert.Equal(0, dev.Bind(client, handle, out uint address));
        Assert.Equal(0, dev.Map(client, handle, out BufferMapping? map));
        Handle = handle;
        Address = address;
        _map = map!;
        Dwords = (int)(size / 4);
    }

    /// <summary>The object's handle (owned by the creating client).</summary>
    public int Handle { get; }

    /// <summary>GGTT address of byte 0.</summary>
    public uint Address { get; }

    /// <summary>Number of dword slots.</summary>
    public int Dwords { get; }

    /// <summary>GGTT address of dword slot <paramref name="index"/>.</summary>
    public uint Slot(int index) => Address + (uint)index * 4;

    /// <summary>The dword in slot <paramref name="index"/>.</summary>
    public uint this[int index]
    {
        get => _map[index];
        set => _map[index] = value;
    }
}
