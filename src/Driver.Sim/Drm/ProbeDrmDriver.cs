using System.Buffers.Binary;
using System.Text;
using Driver.Drm;

namespace Driver.Sim.Drm;

/// <summary>
/// <c>--driver probe</c>: a device that only says who it is (DRM_IOCTL_VERSION "i915", I915_GETPARAM CHIPSET_ID of a
/// Tiger Lake, debugfs <c>name</c>) and answers every other ioctl -ENODEV, as an unplugged device would. It checks the
/// shim's plumbing with a real IGT binary (device discovery and open) where no GPU model is built in; no subtest can
/// pass against it.
/// </summary>
internal sealed class ProbeDrmDriver : IDrmDriver
{
    private const uint DrmIoctlVersion = 0xC0406400;    // _IOWR('d', 0x00, struct drm_version)
    private const uint I915IoctlGetParam = 0xC0106446;  // _IOWR('d', 0x46, struct drm_i915_getparam)
    private const int I915ParamChipsetId = 4;
    private const int TigerLakeDeviceId = 0x9a49;
    private const int Enodev = 19, Efault = 14, Einval = 22, Enoent = 2, Eacces = 13;

    private int _nextClient;

    /// <inheritdoc/>
    public IReadOnlyList<string> VirtualFiles { get; } = ["debugfs/name"];

    /// <inheritdoc/>
    public DrmFile Open(int pid) => new(Interlocked.Increment(ref _nextClient), pid);

    /// <inheritdoc/>
    public void Release(DrmFile file)
    {
    }

    /// <inheritdoc/>
    public int Ioctl(DrmFile file, uint request, ulong argument, IDrmCaller caller) => request switch
    {
        DrmIoctlVersion => Version(argument, caller),
        I915IoctlGetParam => GetParam(argument, caller),
        _ => -Enodev,
    };

    private static int Version(ulong argument, IDrmCaller caller)
    {
        byte[] v = new byte[64];
        if (!caller.TryRead(argument, v))
        {
            return -Efault;
        }
        // drm_version: major, minor, patchlevel, then (length, pointer) for name, date and desc.
        (int At, string Text)[] strings = [(16, "i915"), (32, "20230929"), (48, "GpuSim probe (identity only)")];
        foreach ((int at, string text) in strings)
        {
            ulong len = BinaryPrimitives.ReadUInt64LittleEndian(v.AsSpan(at));
            ulong ptr = BinaryPrimitives.ReadUInt64LittleEndian(v.AsSpan(at + 8));
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            if (ptr != 0 && len > 0 && !caller.TryWrite(ptr, bytes.AsSpan(0, (int)Math.Min(len, (ulong)bytes.Length))))
            {
                return -Efault;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(at), (ulong)bytes.Length);
        }
        BinaryPrimitives.WriteInt32LittleEndian(v, 1);
        BinaryPrimitives.WriteInt32LittleEndian(v.AsSpan(4), 6);
        return caller.TryWrite(argument, v) ? 0 : -Efault;
    }

    private static int GetParam(ulong argument, IDrmCaller caller)
    {
        byte[] gp = new byte[16]; // int param, pad, int __user *value
        if (!caller.TryRead(argument, gp))
        {
            return -Efault;
        }
        if (BinaryPrimitives.ReadInt32LittleEndian(gp) != I915ParamChipsetId)
        {
            return -Einval; // i915_getparam_ioctl: an unknown param
        }
        byte[] value = BitConverter.GetBytes(TigerLakeDeviceId);
        return caller.TryWrite(BinaryPrimitives.ReadUInt64LittleEndian(gp.AsSpan(8)), value) ? 0 : -Efault;
    }

    /// <inheritdoc/>
    public int SyncFileIoctl(int fd, uint request, ulong argument, IDrmCaller caller) => -Einval;

    /// <inheritdoc/>
    public int Mmap(DrmFile file, ulong offset, ulong length, out IReadOnlyList<ArenaRun> runs, out IDisposable? mapping)
    {
        runs = [];
        mapping = null;
        return -Enodev;
    }

    /// <inheritdoc/>
    public int ReadVirtualFile(string path, out byte[] content)
    {
        content = path == "debugfs/name" ? Encoding.ASCII.GetBytes("i915 dev=0000:00:02.0 unique=0000:00:02.0\n") : [];
        return path == "debugfs/name" ? 0 : -Enoent;
    }

    /// <inheritdoc/>
    public int WriteVirtualFile(string path, ReadOnlySpan<byte> data) => -Eacces;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
