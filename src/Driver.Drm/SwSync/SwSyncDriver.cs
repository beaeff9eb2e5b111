using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.I915;
using Serilog;

namespace Driver.Drm.SwSync;

/// <summary>
/// The sw_sync debugfs device (drivers/dma-buf/sw_sync.c, /sys/kernel/debug/sync/sw_sync), served through the shim as
/// one more minor (<see cref="Minor"/>): each open is a new timeline (sw_sync_debugfs_open), SW_SYNC_IOC_CREATE_FENCE
/// gives a sync_file at a seqno, SW_SYNC_IOC_INC advances the timeline, and the last close signals what is left with
/// -ENOENT. Its ioctls are the file's own (sw_sync_ioctl: an exact command match, -ENOTTY otherwise), not drm_ioctl's.
/// </summary>
public sealed class SwSyncDriver(ILogger? log = null) : IDrmDriver
{
    /// <summary>The minor the shim opens the sw_sync file as (native/drm-shim/shim.h SHIM_SW_SYNC_MINOR).</summary>
    public const int Minor = 0x5357;

    /// <summary>SW_SYNC_IOC_MAGIC, 'W'.</summary>
    public const uint Type = 0x57;

    /// <summary>sizeof(struct sw_sync_create_fence_data): u32 value, char name[32], s32 fence.</summary>
    public const int CreateFenceSize = 40;

    /// <summary>sw_sync_create_fence_data.fence.</summary>
    public const int CreateFenceFd = 36;

    /// <summary>SW_SYNC_IOC_CREATE_FENCE: _IOWR('W', 0, struct sw_sync_create_fence_data).</summary>
    public static readonly uint CreateFence = DrmIoctl.Encode(DrmIoctl.DirRead | DrmIoctl.DirWrite, Type, 0, CreateFenceSize);

    /// <summary>SW_SYNC_IOC_INC: _IOW('W', 1, __u32).</summary>
    public static readonly uint Inc = DrmIoctl.Encode(DrmIoctl.DirWrite, Type, 1, 4);

    private readonly ILogger _log = log ?? Serilog.Core.Logger.None;
    private int _nextTimeline;
    private int _open;

    /// <summary>Timelines open now.</summary>
    public int OpenTimelines => Volatile.Read(ref _open);

    /// <inheritdoc/>
    public DrmFile Open(int pid)
    {
        Interlocked.Increment(ref _open);
        return new DrmFile(Interlocked.Increment(ref _nextTimeline), pid) { State = new SwSyncTimeline() };
    }

    /// <inheritdoc/>
    public void Release(DrmFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        int left = Timeline(file).Release();
        Interlocked.Decrement(ref _open);
        _log.Information("sw_sync: timeline {Timeline} of pid {Pid} closed; {Left} pending fences signalled -ENOENT",
            file.ClientId, file.Pid, left);
    }

    /// <inheritdoc/>
    public int Ioctl(DrmFile file, uint request, ulong argument, IDrmCaller caller)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(caller);
        if (request == CreateFence)
        {
            return CreateFenceIoctl(file, argument, caller);
        }

        if (request == Inc)
        {
            return IncIoctl(file, argument, caller);
        }

        return -Errno.ENOTTY;
    }

    /// <summary>
    /// sw_sync_ioctl_create_fence: -EFAULT when the struct cannot be read; the point (sync_pt_create) in a new
    /// sync_file whose fd goes to data.fence; -EFAULT when the struct cannot be written back (the file is dropped).
    /// </summary>
    private int CreateFenceIoctl(DrmFile file, ulong argument, IDrmCaller caller)
    {
        byte[] data = new byte[CreateFenceSize];
        if (!caller.TryRead(argument, data))
        {
            return -Errno.EFAULT;
        }

        uint seqno = BitConverter.ToUInt32(data, 0);
        SwSyncTimeline timeline = Timeline(file);
        DmaFence pt = timeline.CreatePoint(seqno);
        // copy_to_user of the whole struct before fd_install: a struct that cannot be written gets no fd.
        if (!caller.TryWrite(argument, data))
        {
            return -Errno.EFAULT;
        }

        int ret = caller.InstallSyncFile(pt, argument + CreateFenceFd);
        _log.Debug("sw_sync: pid {Pid} timeline {Timeline} fence at {Seqno} (value {Value}) = {Ret}",
            caller.Pid, file.ClientId, seqno, timeline.Value, ret);
        return ret;
    }

    /// <summary>
    /// sw_sync_ioctl_inc: -EFAULT when the u32 cannot be read; else the timeline advances (in steps of at most
    /// INT_MAX, as sync_timeline_signal's comparison needs) and every point reached signals.
    /// </summary>
    private int IncIoctl(DrmFile file, ulong argument, IDrmCaller caller)
    {
        byte[] data = new byte[4];
        if (!caller.TryRead(argument, data))
        {
            return -Errno.EFAULT;
        }

        uint value = BitConverter.ToUInt32(data, 0);
        SwSyncTimeline timeline = Timeline(file);
        int signalled = 0;
        while (value > int.MaxValue)
        {
            signalled += timeline.Advance(int.MaxValue);
            value -= int.MaxValue;
        }

        signalled += timeline.Advance(value);
        _log.Information("sw_sync: pid {Pid} timeline {Timeline} advanced to {Value}: {Signalled} fences signalled",
            caller.Pid, file.ClientId, timeline.Value, signalled);
        return 0;
    }

    private static SwSyncTimeline Timeline(DrmFile file) =>
        file.State as SwSyncTimeline ?? throw new InvalidOperationException("not a sw_sync file");

    /// <inheritdoc/>
    public int SyncFileIoctl(int fd, uint request, ulong argument, IDrmCaller caller) => -Errno.ENOTTY;

    /// <inheritdoc/>
    public int Mmap(DrmFile file, ulong offset, ulong length, out IReadOnlyList<ArenaRun> runs, out IDisposable? mapping)
    {
        runs = [];
        mapping = null;
        return -Errno.ENODEV; // sw_sync_debugfs_fops has no mmap
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> VirtualFiles => [];

    /// <inheritdoc/>
    public int ReadVirtualFile(string path, out byte[] content)
    {
        content = [];
        return -Errno.ENOENT;
    }

    /// <inheritdoc/>
    public int WriteVirtualFile(string path, ReadOnlySpan<byte> data) => -Errno.ENOENT;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
