using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Testing.Devices;
using Driver.Uapi;

namespace Driver.Drm.Tests.Support;

/// <summary>
/// A device, the i915 driver over it, one open DRM file and a fake caller: each ioctl is made as a process makes it,
/// with the argument struct in the caller's memory.
/// </summary>
public sealed class DrmHarness : IDisposable
{
    private DrmHarness(TestDevice t, I915DriverOptions? options = null)
    {
        T = t;
        Driver = new I915Driver(t.Dev, options);
        File = Driver.Open(Caller.Pid);
    }

    /// <summary>The device (DeviceConfig.Fast: hangs found in tens of milliseconds).</summary>
    public TestDevice T { get; }

    /// <summary>The GpuDevice.</summary>
    public GpuDevice Dev => T.Dev;

    /// <summary>The driver.</summary>
    public I915Driver Driver { get; }

    /// <summary>The caller.</summary>
    public FakeCaller Caller { get; } = new();

    /// <summary>The open file.</summary>
    public DrmFile File { get; }

    /// <summary>A fast device.</summary>
    public static DrmHarness Fast() => new(TestDevice.Fast());

    /// <summary>A fast device whose driver has <paramref name="options"/>.</summary>
    public static DrmHarness Fast(I915DriverOptions options) => new(TestDevice.Fast(), options);

    /// <summary>A fast device without heartbeat pulses: a batch that waits is never reset for it.</summary>
    public static DrmHarness WithoutHeartbeat() => new(TestDevice.WithoutHeartbeat());

    /// <summary>
    /// A fast device whose wait on a foreign fence is bounded by <paramref name="foreignFenceTimeout"/>
    /// (I915_FENCE_TIMEOUT), with heartbeat pulses and the preempt timeout off unless <paramref name="heartbeat"/>.
    /// </summary>
    public static DrmHarness WithForeignFenceTimeout(TimeSpan foreignFenceTimeout, bool heartbeat = false)
    {
        var fast = DeviceConfig.Fast();
        var t = TestDevice.With(fast with { Gt = fast.Gt with { ForeignFenceTimeout = foreignFenceTimeout } });
        if (!heartbeat)
        {
            foreach (EngineId id in EngineIds.All)
            {
                t.Dev.Heartbeat.SetInterval(id, TimeSpan.Zero);
            }

            t.Dev.Heartbeat.SetPreemptTimeout(TimeSpan.Zero);
        }

        return new(t);
    }

    /// <summary>A CPU write through a mapping (what igt_spin_end does): no wait, unlike PWRITE.</summary>
    public void CpuWrite(uint handle, long offset, uint value)
    {
        Assert.Equal(0, Dev.LookupObject(File.ClientId, (int)handle, out Driver.Core.Memory.BufferObject? bo));
        bo!.WriteDword(offset, value);
    }

    /// <summary>
    /// Makes the ioctl with <paramref name="arg"/> in user memory and reads the struct back into it afterwards;
    /// returns the ioctl's result.
    /// </summary>
    public int Ioctl(uint request, ArgBuffer arg) => Ioctl(File, request, arg);

    /// <summary><see cref="Ioctl(uint, ArgBuffer)"/> on another file.</summary>
    public int Ioctl(DrmFile file, uint request, ArgBuffer arg)
    {
        ArgumentNullException.ThrowIfNull(arg);
        ulong at = Caller.Put(arg.Data);
        int ret = Driver.Ioctl(file, request, at, Caller);
        Caller.CompleteCall(ret);
        Caller.Get(at, arg.Data.Length).CopyTo(arg.Data, 0);
        return ret;
    }

    /// <summary>An argument buffer of <paramref name="size"/> zero bytes.</summary>
    public static ArgBuffer Arg(int size) => new(new byte[size]);

    /// <summary>DRM_IOCTL_I915_GEM_CREATE of <paramref name="size"/> bytes; returns the handle (asserts success).</summary>
    public uint Create(ulong size = 4096)
    {
        ArgBuffer a = Arg(GemLayout.CreateSize);
        a.SetU64(0, size);
        Assert.Equal(0, Ioctl(Requests.GemCreate, a));
        return a.U32(GemLayout.CreateHandle);
    }

    /// <summary>PWRITE of dwords at <paramref name="offset"/> (asserts success).</summary>
    public void Write(uint handle, ulong offset, params uint[] dwords)
    {
        byte[] bytes = new byte[dwords.Length * 4];
        Buffer.BlockCopy(dwords, 0, bytes, 0, bytes.Length);
        Assert.Equal(0, Pwrite(handle, offset, bytes));
    }

    /// <summary>PWRITE of bytes; returns the result.</summary>
    public int Pwrite(uint handle, ulong offset, byte[] bytes)
    {
        ArgBuffer a = Arg(GemLayout.RwSize);
        a.SetU32(GemLayout.RwHandle, handle);
        a.SetU64(GemLayout.RwOffset, offset);
        a.SetU64(GemLayout.RwLength, (ulong)bytes.Length);
        a.SetU64(GemLayout.RwData, Caller.Put(bytes));
        return Ioctl(Requests.GemPwrite, a);
    }

    /// <summary>PWRITE of <paramref name="length"/> bytes already in the caller's memory at <paramref name="data"/>; returns the result.</summary>
    public int PwriteAt(uint handle, ulong offset, ulong data, int length)
    {
        ArgBuffer a = Arg(GemLayout.RwSize);
        a.SetU32(GemLayout.RwHandle, handle);
        a.SetU64(GemLayout.RwOffset, offset);
        a.SetU64(GemLayout.RwLength, (ulong)length);
        a.SetU64(GemLayout.RwData, data);
        return Ioctl(Requests.GemPwrite, a);
    }

    /// <summary>PREAD of <paramref name="count"/> dwords at <paramref name="offset"/> (asserts success).</summary>
    public uint[] Read(uint handle, ulong offset, int count)
    {
        ArgBuffer a = Arg(GemLayout.RwSize);
        ulong data = Caller.Alloc(count * 4);
        a.SetU32(GemLayout.RwHandle, handle);
        a.SetU64(GemLayout.RwOffset, offset);
        a.SetU64(GemLayout.RwLength, (ulong)count * 4);
        a.SetU64(GemLayout.RwData, data);
        Assert.Equal(0, Ioctl(Requests.GemPread, a));
        uint[] dwords = new uint[count];
        Buffer.BlockCopy(Caller.Get(data, count * 4), 0, dwords, 0, count * 4);
        return dwords;
    }

    /// <summary>CONTEXT_CREATE; returns the id (asserts success).</summary>
    public uint CreateContext()
    {
        ArgBuffer a = Arg(8);
        Assert.Equal(0, Ioctl(Requests.ContextCreate, a));
        return a.U32(0);
    }

    /// <summary>GEM_WAIT with a timeout; returns the result.</summary>
    public int Wait(uint handle, long timeoutNs)
    {
        ArgBuffer a = Arg(GemLayout.WaitSize);
        a.SetU32(GemLayout.WaitHandle, handle);
        a.SetS64(GemLayout.WaitTimeout, timeoutNs);
        return Ioctl(Requests.GemWait, a);
    }

    /// <summary>The fence behind a descriptor the driver installed.</summary>
    public DmaFence Fence(int fd) => Caller.GetSyncFileFence(fd) ?? throw new InvalidOperationException($"fd {fd} is no sync_file");

    /// <inheritdoc/>
    public void Dispose()
    {
        Driver.Release(File);
        Driver.Dispose();
        T.Dispose();
    }
}
