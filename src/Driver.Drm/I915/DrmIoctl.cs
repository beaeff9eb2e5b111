using Driver.Core.Errors;

namespace Driver.Drm.I915;

/// <summary>
/// The ioctl request encoding (asm-generic/ioctl.h: nr bits 0-7, type 8-15, size 16-29, direction 30-31) and the
/// DRM numbers this driver answers (drm.h core ioctls, i915_drm.h's DRM_I915_* at DRM_COMMAND_BASE + n).
/// </summary>
public static class DrmIoctl
{
    /// <summary>_IOC_WRITE: the kernel reads the argument (copy_from_user).</summary>
    public const uint DirWrite = 1;

    /// <summary>_IOC_READ: the kernel writes the argument back (copy_to_user).</summary>
    public const uint DirRead = 2;

    /// <summary>DRM_IOCTL_BASE, the 'd' type byte.</summary>
    public const uint DrmType = 0x64;

    /// <summary>DRM_COMMAND_BASE: the first driver-private number.</summary>
    public const uint CommandBase = 0x40;

    /// <summary>DRM_COMMAND_END: one past the last driver-private number.</summary>
    public const uint CommandEnd = 0xa0;

    /// <summary>_IOC_NR.</summary>
    public static uint Nr(uint request) => request & 0xff;

    /// <summary>_IOC_TYPE.</summary>
    public static uint Type(uint request) => (request >> 8) & 0xff;

    /// <summary>_IOC_SIZE.</summary>
    public static int Size(uint request) => (int)((request >> 16) & 0x3fff);

    /// <summary>_IOC_DIR.</summary>
    public static uint Dir(uint request) => request >> 30;

    /// <summary>
    /// drm_ioctl's argument handling, the same for every DRM driver: the argument is copied in and out by the
    /// intersection of the user's direction bits and the kernel's (<paramref name="kernelDir"/>), in a buffer
    /// zero-filled to the larger of the user's and the kernel's sizes (an older, shorter user struct reads as zeros);
    /// a fault on the way in is -EFAULT before the handler runs, one on the way out replaces the handler's return, and
    /// the argument is copied back whatever the handler returned. A <see cref="DriverException"/> is its errno.
    /// </summary>
    public static int Call(uint request, ulong argument, IDrmCaller caller, uint kernelDir, int kernelSize, Func<ArgBuffer, int> handler)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(handler);
        int userSize = Size(request);
        uint dir = Dir(request);
        int inSize = (dir & kernelDir & DirWrite) != 0 ? userSize : 0;
        int outSize = (dir & kernelDir & DirRead) != 0 ? userSize : 0;
        byte[] data = new byte[Math.Max(Math.Max(inSize, outSize), kernelSize)];
        if (inSize > 0 && !caller.TryRead(argument, data.AsSpan(0, inSize)))
        {
            return -Errno.EFAULT;
        }

        int ret;
        try
        {
            ret = handler(new ArgBuffer(data));
        }
        catch (DriverException e)
        {
            ret = -e.Errno;
        }

        if (outSize > 0 && !caller.TryWrite(argument, data.AsSpan(0, outSize)))
        {
            ret = -Errno.EFAULT;
        }

        return ret;
    }

    /// <summary>_IOC(dir, type, nr, size).</summary>
    public static uint Encode(uint dir, uint type, uint nr, int size) => (dir << 30) | ((uint)size << 16) | (type << 8) | nr;

    /// <summary>DRM_IOWR(nr, size).</summary>
    public static uint Iowr(uint nr, int size) => Encode(DirRead | DirWrite, DrmType, nr, size);

    /// <summary>DRM_IOW(nr, size).</summary>
    public static uint Iow(uint nr, int size) => Encode(DirWrite, DrmType, nr, size);

    /// <summary>DRM_IOR(nr, size).</summary>
    public static uint Ior(uint nr, int size) => Encode(DirRead, DrmType, nr, size);

    /// <summary>DRM_IO(nr).</summary>
    public static uint Io(uint nr) => Encode(0, DrmType, nr, 0);

    // Core (drm.h).
    /// <summary>DRM_IOCTL_VERSION.</summary>
    public const uint Version = 0x00;
    /// <summary>DRM_IOCTL_GEM_CLOSE.</summary>
    public const uint GemClose = 0x09;
    /// <summary>DRM_IOCTL_GET_CAP.</summary>
    public const uint GetCap = 0x0c;
    /// <summary>DRM_IOCTL_PRIME_HANDLE_TO_FD.</summary>
    public const uint PrimeHandleToFd = 0x2d;
    /// <summary>DRM_IOCTL_PRIME_FD_TO_HANDLE.</summary>
    public const uint PrimeFdToHandle = 0x2e;
    /// <summary>DRM_IOCTL_MODE_CREATE_DUMB.</summary>
    public const uint ModeCreateDumb = 0xb2;
    /// <summary>DRM_IOCTL_MODE_MAP_DUMB.</summary>
    public const uint ModeMapDumb = 0xb3;
    /// <summary>DRM_IOCTL_MODE_DESTROY_DUMB.</summary>
    public const uint ModeDestroyDumb = 0xb4;
    /// <summary>DRM_IOCTL_SET_MASTER.</summary>
    public const uint SetMaster = 0x1e;
    /// <summary>DRM_IOCTL_DROP_MASTER.</summary>
    public const uint DropMaster = 0x1f;
    /// <summary>DRM_IOCTL_SYNCOBJ_CREATE, the first of the syncobj ioctls.</summary>
    public const uint SyncobjFirst = 0xbf;
    /// <summary>DRM_IOCTL_SYNCOBJ_EVENTFD, the last of the syncobj ioctls (0xbf..0xcf).</summary>
    public const uint SyncobjLast = 0xcf;
    /// <summary>DRM_CORE_IOCTL_COUNT: a core number at or past it is -EINVAL.</summary>
    public const uint CoreCount = 0xd0;

    // i915 (i915_drm.h), as DRM_COMMAND_BASE + DRM_I915_*.
    /// <summary>DRM_I915_GETPARAM.</summary>
    public const uint I915GetParam = CommandBase + 0x06;
    /// <summary>DRM_I915_GEM_BUSY.</summary>
    public const uint I915GemBusy = CommandBase + 0x17;
    /// <summary>DRM_I915_GEM_THROTTLE.</summary>
    public const uint I915GemThrottle = CommandBase + 0x18;
    /// <summary>DRM_I915_GEM_CREATE.</summary>
    public const uint I915GemCreate = CommandBase + 0x1b;
    /// <summary>DRM_I915_GEM_PREAD.</summary>
    public const uint I915GemPread = CommandBase + 0x1c;
    /// <summary>DRM_I915_GEM_PWRITE.</summary>
    public const uint I915GemPwrite = CommandBase + 0x1d;
    /// <summary>DRM_I915_GEM_MMAP (the legacy CPU mmap).</summary>
    public const uint I915GemMmap = CommandBase + 0x1e;
    /// <summary>DRM_I915_GEM_SET_DOMAIN.</summary>
    public const uint I915GemSetDomain = CommandBase + 0x1f;
    /// <summary>DRM_I915_GEM_SW_FINISH.</summary>
    public const uint I915GemSwFinish = CommandBase + 0x20;
    /// <summary>DRM_I915_GEM_GET_TILING.</summary>
    public const uint I915GemGetTiling = CommandBase + 0x22;
    /// <summary>DRM_I915_GEM_GET_APERTURE.</summary>
    public const uint I915GemGetAperture = CommandBase + 0x23;
    /// <summary>DRM_I915_GEM_MMAP_GTT, the same number as DRM_I915_GEM_MMAP_OFFSET.</summary>
    public const uint I915GemMmapOffset = CommandBase + 0x24;
    /// <summary>DRM_I915_GEM_MADVISE.</summary>
    public const uint I915GemMadvise = CommandBase + 0x26;
    /// <summary>DRM_I915_GEM_EXECBUFFER2 (and _WR, the same number read-write).</summary>
    public const uint I915GemExecbuffer2 = CommandBase + 0x29;
    /// <summary>DRM_I915_GEM_WAIT.</summary>
    public const uint I915GemWait = CommandBase + 0x2c;
    /// <summary>DRM_I915_GEM_CONTEXT_CREATE (and _EXT).</summary>
    public const uint I915GemContextCreate = CommandBase + 0x2d;
    /// <summary>DRM_I915_GEM_CONTEXT_DESTROY.</summary>
    public const uint I915GemContextDestroy = CommandBase + 0x2e;
    /// <summary>DRM_I915_GEM_SET_CACHING.</summary>
    public const uint I915GemSetCaching = CommandBase + 0x2f;
    /// <summary>DRM_I915_GEM_GET_CACHING.</summary>
    public const uint I915GemGetCaching = CommandBase + 0x30;
    /// <summary>DRM_I915_GET_RESET_STATS.</summary>
    public const uint I915GetResetStats = CommandBase + 0x32;
    /// <summary>DRM_I915_GEM_USERPTR.</summary>
    public const uint I915GemUserptr = CommandBase + 0x33;
    /// <summary>DRM_I915_GEM_CONTEXT_GETPARAM.</summary>
    public const uint I915GemContextGetParam = CommandBase + 0x34;
    /// <summary>DRM_I915_GEM_CONTEXT_SETPARAM.</summary>
    public const uint I915GemContextSetParam = CommandBase + 0x35;
    /// <summary>DRM_I915_QUERY.</summary>
    public const uint I915Query = CommandBase + 0x39;
    /// <summary>DRM_I915_GEM_VM_CREATE.</summary>
    public const uint I915GemVmCreate = CommandBase + 0x3a;
    /// <summary>DRM_I915_GEM_VM_DESTROY.</summary>
    public const uint I915GemVmDestroy = CommandBase + 0x3b;
    /// <summary>DRM_I915_GEM_CREATE_EXT.</summary>
    public const uint I915GemCreateExt = CommandBase + 0x3c;

    // sync_file (linux/sync_file.h), type '>'.
    /// <summary>SYNC_IOC_MAGIC.</summary>
    public const uint SyncType = 0x3e;
    /// <summary>SYNC_IOC_MERGE's number.</summary>
    public const uint SyncMerge = 3;
    /// <summary>SYNC_IOC_FILE_INFO's number.</summary>
    public const uint SyncFileInfo = 4;
    /// <summary>SYNC_IOC_SET_DEADLINE's number.</summary>
    public const uint SyncSetDeadline = 5;
}
