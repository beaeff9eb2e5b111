using Driver.Core.Errors;
using Driver.Drm.I915.Layout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>i915's DRIVER_NAME.</summary>
    public const string DriverName = "i915";

    /// <summary>i915's DRIVER_DESC.</summary>
    public const string DriverDesc = "Intel Graphics";

    /// <summary>i915's DRIVER_DATE.</summary>
    public const string DriverDate = "20230929";

    /// <summary>
    /// DRM_IOCTL_VERSION (drm_version): 1.6.0 and, per string, drm_copy_field: as many bytes as the user's buffer
    /// holds (not NUL-terminated), the full length written back; -EFAULT when a buffer cannot be written.
    /// </summary>
    private int GetVersion(IoctlCall c) =>
        DrmVersion.Write(c.Arg, c.Caller, 1, 6, 0, DriverName, DriverDate, DriverDesc);

    /// <summary>DRM_IOCTL_GEM_CLOSE (drm_gem_close_ioctl): -EINVAL for an unknown handle (drm_gem_handle_delete).</summary>
    private int GemClose(IoctlCall c)
    {
        int handle = (int)c.Arg.U32(DrmCoreLayout.GemCloseHandle);
        lock (c.State.Lock)
        {
            c.State.Caching.Remove(handle);
            foreach (Core.Prime.DmaBuf buf in c.State.PrimeHandles.Where(kv => kv.Value == handle).Select(kv => kv.Key).ToArray())
            {
                c.State.PrimeHandles.Remove(buf);
            }
        }

        return Device.CloseBuffer(c.Client, handle);
    }

    /// <summary>
    /// DRM_IOCTL_GET_CAP (drm_getcap): TIMESTAMP_MONOTONIC 1, PRIME import|export, SYNCOBJ 1 (binary syncobjs),
    /// SYNCOBJ_TIMELINE 0 (GpuSim has no timeline points), then the modesetting caps i915 answers; anything else -EINVAL.
    /// </summary>
    private int GetCap(IoctlCall c)
    {
        ulong value;
        switch (c.Arg.U64(DrmCoreLayout.GetCapCapability))
        {
            case DrmCoreLayout.CapTimestampMonotonic: value = 1; break;
            case DrmCoreLayout.CapPrime: value = 3; break;
            case DrmCoreLayout.CapSyncobj: value = 1; break;
            case DrmCoreLayout.CapSyncobjTimeline: value = 1; break;
            case DrmCoreLayout.CapDumbBuffer: value = 1; break;
            case DrmCoreLayout.CapVblankHighCrtc: value = 1; break;
            case DrmCoreLayout.CapDumbPreferredDepth: value = 24; break;
            case DrmCoreLayout.CapDumbPreferShadow: value = 1; break;
            case DrmCoreLayout.CapAsyncPageFlip: value = 1; break;
            case DrmCoreLayout.CapPageFlipTarget: value = 0; break;
            case DrmCoreLayout.CapCursorWidth:
            case DrmCoreLayout.CapCursorHeight: value = 64; break;
            case DrmCoreLayout.CapAddFb2Modifiers: value = 1; break;
            case DrmCoreLayout.CapCrtcInVblankEvent: value = 1; break;
            default: return -Errno.EINVAL;
        }

        c.Arg.SetU64(DrmCoreLayout.GetCapValue, value);
        return 0;
    }

    /// <summary>
    /// DRM_IOCTL_SET_MASTER (drm_setmaster_ioctl): 0 when this file is master already or nobody is; -EBUSY while
    /// another file is.
    /// </summary>
    private int SetMaster(IoctlCall c)
    {
        lock (_masterLock)
        {
            if (_master is not null && _master != c.File)
            {
                return -Errno.EBUSY;
            }

            _master = c.File;
            return 0;
        }
    }

    /// <summary>DRM_IOCTL_DROP_MASTER (drm_dropmaster_ioctl): -EINVAL unless this file is the current master.</summary>
    private int DropMaster(IoctlCall c)
    {
        lock (_masterLock)
        {
            if (_master != c.File)
            {
                return -Errno.EINVAL;
            }

            _master = null;
            return 0;
        }
    }
}
