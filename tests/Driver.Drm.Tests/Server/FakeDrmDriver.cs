using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Driver.Core.Fences;
using Microsoft.Win32.SafeHandles;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// An <see cref="IDrmDriver"/> that knows DRM_IOCTL_VERSION and a handful of test ioctls (the numbers
/// Native/shim_client.c uses), backs mmap with a temporary file as the arena, and serves five virtual files: enough to
/// prove the shim and the server move requests, fds, mappings and files, with no GPU model behind them.
/// </summary>
internal sealed class FakeDrmDriver : IDrmDriver
{
    public const uint Version = 0xC0406400; // DRM_IOCTL_VERSION: _IOWR('d', 0x00, struct drm_version), 64 bytes
    public const uint WhoAmI = 0x6470;
    public const uint ReleaseCount = 0x6471;
    public const uint NewFence = 0x40046472;
    public const uint SignalAll = 0x6473;
    public const uint Poke = 0x40046474;
    public const uint Peek = 0x6475;
    public const uint Block = 0x6476;
    public const uint Unblock = 0x6477;
    public const uint BlockInterruptible = 0x6478;
    public const uint Mappings = 0x6479;
    public const uint LiveFenceFds = 0x647a;
    public const uint CallerPid = 0x647b;
    public const uint Blocked = 0x647c;
    public const uint SyncStatus = 0xC0043E7F;
    public const ulong MapOffset = 0x10000;
    public const long ArenaPage = 4096;

    /// <summary>The most a mapping of <see cref="MapOffset"/> may cover (partial munmap and mremap need several pages).</summary>
    public const ulong MapLength = 4 * 4096;

    private const int Erestartsys = 512;
    private int _interrupted;

    private const int Enotty = 25, Einval = 22, Efault = 14, Ebusy = 16, Eacces = 13, Etimedout = 110, Enoent = 2;

    private readonly ConcurrentQueue<DmaFence> _fences = new();
    private readonly ManualResetEventSlim _unblock = new();
    private readonly string _arenaPath = Path.GetTempFileName();
    private readonly SafeFileHandle _arena;
    private int _nextClient;
    private int _opens;
    private int _releases;
    private int _wedged;
    private int _blocked;

    public FakeDrmDriver()
    {
        _arena = File.OpenHandle(_arenaPath, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.SetLength(_arena, 1 << 20);
    }

    /// <summary>The arena's fd, for <see cref="Driver.Drm.Server.DrmServerOptions.ArenaFd"/>.</summary>
    public int ArenaFd => (int)_arena.DangerousGetHandle();

    public int Opens => Volatile.Read(ref _opens);

    public int Releases => Volatile.Read(ref _releases);

    public int Wedged => Volatile.Read(ref _wedged);

    /// <summary>FAKE_BLOCK calls that have begun to wait.</summary>
    public int BlockedCount => Volatile.Read(ref _blocked);

    /// <summary>Ends every FAKE_BLOCK wait, as FAKE_UNBLOCK does.</summary>
    public void EndBlocks() => _unblock.Set();

    /// <summary>Interruptible waits a signal ended.</summary>
    public int Interrupted => Volatile.Read(ref _interrupted);

    /// <summary>What FAKE_LIVE_FENCE_FDS answers: the test points it at its server's live sync_file count.</summary>
    public Func<int> LiveFenceFdsOf { get; set; } = () => -Enotty;

    public IReadOnlyList<string> VirtualFiles { get; } =
        ["debugfs/name", "debugfs/i915_wedged", "debugfs/busy", "sysfs/engine/rcs0/name", "module/reset"];

    /// <summary>The pid the last <see cref="Open(int, int)"/> was given.</summary>
    public int LastOpenPid => Volatile.Read(ref _lastOpenPid);

    private int _lastOpenPid;

    /// <summary>The minor of every open, in order (the server passes the node's minor to drm_open).</summary>
    public ConcurrentQueue<int> OpenedMinors { get; } = new();

    public DrmFile Open(int pid) => Open(pid, 0);

    public DrmFile Open(int pid, int minor)
    {
        OpenedMinors.Enqueue(minor);
        Volatile.Write(ref _lastOpenPid, pid);
        Interlocked.Increment(ref _opens);
        return new DrmFile(Interlocked.Increment(ref _nextClient), pid);
    }

    public void Release(DrmFile file) => Interlocked.Increment(ref _releases);

    public int Ioctl(DrmFile file, uint request, ulong argument, IDrmCaller caller)
    {
        switch (request)
        {
            case Version:
                return DrmVersion(argument, caller);
            case Mappings:
                return LiveMappings;
            case LiveFenceFds:
                return LiveFenceFdsOf();
            case WhoAmI:
                return file.ClientId;
            case CallerPid:
                return caller.Pid;
            case Blocked:
                return Volatile.Read(ref _blocked);
            case ReleaseCount:
                return Releases;
            case NewFence:
                {
                    var fence = new DmaFence(DmaFence.ContextAlloc(), 1);
                    _fences.Enqueue(fence);
                    return caller.InstallSyncFile(fence, argument);
                }
            case SignalAll:
                while (_fences.TryDequeue(out DmaFence? f))
                {
                    f.Signal();
                }
                return 0;
            case Poke:
                {
                    byte[] value = new byte[4];
                    if (!caller.TryRead(argument, value))
                    {
                        return -Efault;
                    }
                    RandomAccess.Write(_arena, value, ArenaPage);
                    return 0;
                }
            case Peek:
                {
                    byte[] value = new byte[4];
                    RandomAccess.Read(_arena, value, ArenaPage);
                    return BinaryPrimitives.ReadInt32LittleEndian(value) & int.MaxValue;
                }
            case Block:
                Interlocked.Increment(ref _blocked);
                return _unblock.Wait(Bound.Long) ? 0 : -Etimedout;
            case Unblock:
                _unblock.Set();
                return 0;
            case BlockInterruptible:
                // An interruptible wait that only a signal ends: -ERESTARTSYS, as the kernel's wait returns it.
                if (!caller.SignalPending.WaitHandle.WaitOne(Bound.Long))
                {
                    return -Etimedout;
                }

                Interlocked.Increment(ref _interrupted);
                return -Erestartsys;
            default:
                return -Enotty;
        }
    }

    // drm_version: major, minor, patchlevel, then (len, pointer) for name, date and desc; copy_to_user of each string.
    private static int DrmVersion(ulong argument, IDrmCaller caller)
    {
        byte[] v = new byte[64];
        if (!caller.TryRead(argument, v))
        {
            return -Efault;
        }
        if (!CopyString(caller, v, 16, "i915") || !CopyString(caller, v, 32, "20201103") || !CopyString(caller, v, 48, "fake"))
        {
            return -Efault;
        }
        BinaryPrimitives.WriteInt32LittleEndian(v, 1);
        BinaryPrimitives.WriteInt32LittleEndian(v.AsSpan(4), 6);
        return caller.TryWrite(argument, v) ? 0 : -Efault;
    }

    private static bool CopyString(IDrmCaller caller, byte[] v, int at, string value)
    {
        ulong len = BinaryPrimitives.ReadUInt64LittleEndian(v.AsSpan(at));
        ulong ptr = BinaryPrimitives.ReadUInt64LittleEndian(v.AsSpan(at + 8));
        byte[] bytes = Encoding.ASCII.GetBytes(value);
        if (ptr != 0 && len > 0 && !caller.TryWrite(ptr, bytes.AsSpan(0, (int)Math.Min(len, (ulong)bytes.Length))))
        {
            return false;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(at), (ulong)bytes.Length);
        return true;
    }

    public int SyncFileIoctl(int fd, uint request, ulong argument, IDrmCaller caller)
    {
        if (request != SyncStatus)
        {
            return -Enotty;
        }
        if (caller.GetSyncFileFence(fd) is not { } fence)
        {
            return -Einval;
        }
        byte[] status = BitConverter.GetBytes(fence.IsSignaled ? 1 : 0);
        return caller.TryWrite(argument, status) ? 0 : -Efault;
    }

    public int Mmap(DrmFile file, ulong offset, ulong length, out IReadOnlyList<ArenaRun> runs, out IDisposable? mapping)
    {
        runs = [];
        mapping = null;
        if (offset != MapOffset || length > MapLength)
        {
            return -Einval;
        }
        runs = [new ArenaRun(ArenaPage, (long)length)];
        Interlocked.Increment(ref _liveMappings);
        mapping = new MappingHold(this);
        return 0;
    }

    private int _liveMappings;

    /// <summary>Mappings made and not yet released by the server (every process that mapped them unmapped or died).</summary>
    public int LiveMappings => Volatile.Read(ref _liveMappings);

    private sealed class MappingHold(FakeDrmDriver driver) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref driver._liveMappings);
            }
        }
    }

    public int ReadVirtualFile(string path, out byte[] content)
    {
        string? text = path switch
        {
            "debugfs/name" => "i915 dev=0000:00:02.0 unique=0000:00:02.0\n",
            "debugfs/i915_wedged" => $"{Wedged}\n",
            "debugfs/busy" => "",
            "sysfs/engine/rcs0/name" => "rcs0\n",
            "module/reset" => "1\n",
            _ => null,
        };
        content = text is null ? [] : Encoding.ASCII.GetBytes(text);
        return text is null ? -Enoent : 0;
    }

    public int WriteVirtualFile(string path, ReadOnlySpan<byte> data)
    {
        switch (path)
        {
            case "debugfs/i915_wedged":
                Volatile.Write(ref _wedged, int.Parse(Encoding.ASCII.GetString(data).Trim(), System.Globalization.CultureInfo.InvariantCulture));
                return data.Length;
            case "debugfs/busy":
                return -Ebusy;
            default:
                return -Eacces;
        }
    }

    public void Dispose()
    {
        _arena.Dispose();
        _unblock.Dispose();
        File.Delete(_arenaPath);
    }
}
