using Driver.Core.Ggtt;
using Driver.Core.Memory;
using Driver.Reset.Mmap;
using Driver.Uapi;

namespace Driver.Testing.Devices;

/// <summary>Helpers for tests of GTT mmaps (the device comes from <see cref="TestDevice.Mmap"/>).</summary>
public static class GttMappings
{
    /// <summary>Creates an object of <paramref name="size"/> and maps it through the GTT and linearly.</summary>
    public static (GttMapping Gtt, BufferMapping Linear) Map(GpuDevice dev, int client, TilingMode tiling, int stride, int size)
    {
        Assert.Equal(0, dev.CreateBuffer(client, size, out int handle));
        Assert.Equal(0, dev.MapGtt(client, handle, tiling, stride, out GttMapping? gtt));
        Assert.Equal(0, dev.Map(client, handle, out BufferMapping? linear));
        return (gtt!, linear!);
    }

    /// <summary>Writes a distinct value (seed + dword index) to every dword through the GTT mapping.</summary>
    public static void Fill(GttMapping m, uint seed)
    {
        for (long off = 0; off < m.Size; off += 4)
        {
            Assert.Equal(0, m.Write(off, seed + (uint)(off / 4)));
        }
    }

    /// <summary>Checks every dword through the GTT mapping reads back seed + index.</summary>
    public static void AssertFilled(GttMapping m, uint seed)
    {
        for (long off = 0; off < m.Size; off += 4)
        {
            Assert.Equal(0, m.Read(off, out uint v));
            Assert.Equal(seed + (uint)(off / 4), v);
        }
    }
}
