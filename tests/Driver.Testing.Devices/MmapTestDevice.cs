using Driver.Core.Ggtt;
using Driver.Core.Memory;
using Driver.Reset.Mmap;
using Driver.Uapi;

namespace Driver.Testing.Devices;

/// <summary>Helpers to set up devices with GTT mmaps.</summary>
public static class MmapTestDevice
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public static GpuDevice Create(MmapResetPolicy policy, int fences = 16, bool engineReset = true)
    {
        var fast = DeviceConfig.Fast();
        return new GpuDevice(fast with
        {
            MmapResetPolicy = policy,
            FenceRegisters = fences,
            Reset = fast.Reset with { EngineResetEnabled = engineReset },
        });
    }

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

    /// <summary>Runs <paramref name="action"/> on a new thread and waits for it with a bound.</summary>
    public static void OnOtherThread(Action action)
    {
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { failure = e; }
        })
        { IsBackground = true };
        t.Start();
        Assert.True(t.Join(Bound), "the other thread did not finish in time");
        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException($"other thread failed: {failure}");
        }
    }
}
