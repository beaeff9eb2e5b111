using Driver.Drm.I915;
using Driver.Drm.I915.Layout;

namespace Driver.Drm.Tests.Support;

/// <summary>The ioctl requests as userspace encodes them (DRM_IOCTL_* / DRM_IOCTL_I915_*).</summary>
public static class Requests
{
    /// <summary>DRM_IOCTL_VERSION.</summary>
    public static uint Version => DrmIoctl.Iowr(DrmIoctl.Version, DrmCoreLayout.VersionSize);
    /// <summary>DRM_IOCTL_GET_CAP.</summary>
    public static uint GetCap => DrmIoctl.Iowr(DrmIoctl.GetCap, DrmCoreLayout.GetCapSize);
    /// <summary>DRM_IOCTL_GEM_CLOSE.</summary>
    public static uint GemClose => DrmIoctl.Iow(DrmIoctl.GemClose, DrmCoreLayout.GemCloseSize);
    /// <summary>DRM_IOCTL_PRIME_HANDLE_TO_FD.</summary>
    public static uint PrimeHandleToFd => DrmIoctl.Iowr(DrmIoctl.PrimeHandleToFd, PrimeLayout.Size);
    /// <summary>DRM_IOCTL_PRIME_FD_TO_HANDLE.</summary>
    public static uint PrimeFdToHandle => DrmIoctl.Iowr(DrmIoctl.PrimeFdToHandle, PrimeLayout.Size);
    /// <summary>DRM_IOCTL_MODE_CREATE_DUMB.</summary>
    public static uint CreateDumb => DrmIoctl.Iowr(DrmIoctl.ModeCreateDumb, Vgem.Layout.VgemLayout.CreateDumbSize);
    /// <summary>DRM_IOCTL_MODE_MAP_DUMB.</summary>
    public static uint MapDumb => DrmIoctl.Iowr(DrmIoctl.ModeMapDumb, Vgem.Layout.VgemLayout.MapDumbSize);
    /// <summary>DRM_IOCTL_MODE_DESTROY_DUMB.</summary>
    public static uint DestroyDumb => DrmIoctl.Iowr(DrmIoctl.ModeDestroyDumb, Vgem.Layout.VgemLayout.DestroyDumbSize);
    /// <summary>DRM_IOCTL_VGEM_FENCE_ATTACH.</summary>
    public static uint VgemFenceAttach => DrmIoctl.Iowr(Vgem.VgemIoctl.FenceAttach, Vgem.Layout.VgemLayout.FenceAttachSize);
    /// <summary>DRM_IOCTL_VGEM_FENCE_SIGNAL.</summary>
    public static uint VgemFenceSignal => DrmIoctl.Iow(Vgem.VgemIoctl.FenceSignal, Vgem.Layout.VgemLayout.FenceSignalSize);
    /// <summary>DRM_IOCTL_I915_GEM_USERPTR.</summary>
    public static uint GemUserptr => DrmIoctl.Iowr(DrmIoctl.I915GemUserptr, UserptrLayout.Size);
    /// <summary>DRM_IOCTL_SET_MASTER.</summary>
    public static uint SetMaster => DrmIoctl.Io(DrmIoctl.SetMaster);
    /// <summary>DRM_IOCTL_DROP_MASTER.</summary>
    public static uint DropMaster => DrmIoctl.Io(DrmIoctl.DropMaster);
    /// <summary>DRM_IOCTL_I915_GETPARAM.</summary>
    public static uint GetParam => DrmIoctl.Iowr(DrmIoctl.I915GetParam, QueryLayout.GetParamSize);
    /// <summary>DRM_IOCTL_I915_QUERY.</summary>
    public static uint Query => DrmIoctl.Iowr(DrmIoctl.I915Query, QueryLayout.QuerySize);
    /// <summary>DRM_IOCTL_I915_GEM_CREATE.</summary>
    public static uint GemCreate => DrmIoctl.Iowr(DrmIoctl.I915GemCreate, GemLayout.CreateSize);
    /// <summary>DRM_IOCTL_I915_GEM_CREATE_EXT.</summary>
    public static uint GemCreateExt => DrmIoctl.Iowr(DrmIoctl.I915GemCreateExt, GemLayout.CreateExtSize);
    /// <summary>DRM_IOCTL_I915_GEM_PWRITE.</summary>
    public static uint GemPwrite => DrmIoctl.Iow(DrmIoctl.I915GemPwrite, GemLayout.RwSize);
    /// <summary>DRM_IOCTL_I915_GEM_PREAD.</summary>
    public static uint GemPread => DrmIoctl.Iow(DrmIoctl.I915GemPread, GemLayout.RwSize);
    /// <summary>DRM_IOCTL_I915_GEM_MMAP.</summary>
    public static uint GemMmap => DrmIoctl.Iowr(DrmIoctl.I915GemMmap, GemLayout.MmapSize);
    /// <summary>DRM_IOCTL_I915_GEM_MMAP_GTT.</summary>
    public static uint GemMmapGtt => DrmIoctl.Iowr(DrmIoctl.I915GemMmapOffset, GemLayout.MmapGttSize);
    /// <summary>DRM_IOCTL_I915_GEM_MMAP_OFFSET.</summary>
    public static uint GemMmapOffset => DrmIoctl.Iowr(DrmIoctl.I915GemMmapOffset, GemLayout.MmapOffsetSize);
    /// <summary>DRM_IOCTL_I915_GEM_SET_DOMAIN.</summary>
    public static uint GemSetDomain => DrmIoctl.Iow(DrmIoctl.I915GemSetDomain, GemLayout.SetDomainSize);
    /// <summary>DRM_IOCTL_I915_GEM_SET_CACHING.</summary>
    public static uint GemSetCaching => DrmIoctl.Iow(DrmIoctl.I915GemSetCaching, GemLayout.CachingSize);
    /// <summary>DRM_IOCTL_I915_GEM_GET_CACHING.</summary>
    public static uint GemGetCaching => DrmIoctl.Iowr(DrmIoctl.I915GemGetCaching, GemLayout.CachingSize);
    /// <summary>DRM_IOCTL_I915_GEM_BUSY.</summary>
    public static uint GemBusy => DrmIoctl.Iowr(DrmIoctl.I915GemBusy, GemLayout.BusySize);
    /// <summary>DRM_IOCTL_I915_GEM_WAIT.</summary>
    public static uint GemWait => DrmIoctl.Iowr(DrmIoctl.I915GemWait, GemLayout.WaitSize);
    /// <summary>DRM_IOCTL_I915_GEM_THROTTLE.</summary>
    public static uint GemThrottle => DrmIoctl.Io(DrmIoctl.I915GemThrottle);
    /// <summary>DRM_IOCTL_I915_GEM_GET_APERTURE.</summary>
    public static uint GemGetAperture => DrmIoctl.Ior(DrmIoctl.I915GemGetAperture, GemLayout.ApertureSize);
    /// <summary>DRM_IOCTL_I915_GEM_MADVISE.</summary>
    public static uint GemMadvise => DrmIoctl.Iowr(DrmIoctl.I915GemMadvise, GemLayout.MadviseSize);
    /// <summary>DRM_IOCTL_I915_GEM_EXECBUFFER2.</summary>
    public static uint Execbuffer2 => DrmIoctl.Iow(DrmIoctl.I915GemExecbuffer2, ExecbufLayout.Size);
    /// <summary>DRM_IOCTL_I915_GEM_EXECBUFFER2_WR.</summary>
    public static uint Execbuffer2Wr => DrmIoctl.Iowr(DrmIoctl.I915GemExecbuffer2, ExecbufLayout.Size);
    /// <summary>DRM_IOCTL_I915_GEM_CONTEXT_CREATE.</summary>
    public static uint ContextCreate => DrmIoctl.Iowr(DrmIoctl.I915GemContextCreate, 8);
    /// <summary>DRM_IOCTL_I915_GEM_CONTEXT_CREATE_EXT.</summary>
    public static uint ContextCreateExt => DrmIoctl.Iowr(DrmIoctl.I915GemContextCreate, ContextLayout.CreateSize);
    /// <summary>DRM_IOCTL_I915_GEM_CONTEXT_DESTROY.</summary>
    public static uint ContextDestroy => DrmIoctl.Iow(DrmIoctl.I915GemContextDestroy, ContextLayout.DestroySize);
    /// <summary>DRM_IOCTL_I915_GEM_CONTEXT_GETPARAM.</summary>
    public static uint ContextGetParam => DrmIoctl.Iowr(DrmIoctl.I915GemContextGetParam, ContextLayout.ParamSize);
    /// <summary>DRM_IOCTL_I915_GEM_CONTEXT_SETPARAM.</summary>
    public static uint ContextSetParam => DrmIoctl.Iowr(DrmIoctl.I915GemContextSetParam, ContextLayout.ParamSize);
    /// <summary>DRM_IOCTL_I915_GET_RESET_STATS.</summary>
    public static uint GetResetStats => DrmIoctl.Iowr(DrmIoctl.I915GetResetStats, ContextLayout.ResetStatsSize);
    /// <summary>SYNC_IOC_MERGE.</summary>
    public static uint SyncMerge => DrmIoctl.Encode(3, DrmIoctl.SyncType, DrmIoctl.SyncMerge, SyncFileLayout.MergeSize);
    /// <summary>SYNC_IOC_FILE_INFO.</summary>
    public static uint SyncFileInfo => DrmIoctl.Encode(3, DrmIoctl.SyncType, DrmIoctl.SyncFileInfo, SyncFileLayout.InfoSize);
    /// <summary>DRM_IOCTL_SYNCOBJ_CREATE.</summary>
    public static uint SyncobjCreate => DrmIoctl.Iowr(SyncobjLayout.NrCreate, SyncobjLayout.CreateSize);
    /// <summary>DRM_IOCTL_SYNCOBJ_DESTROY.</summary>
    public static uint SyncobjDestroy => DrmIoctl.Iowr(SyncobjLayout.NrDestroy, SyncobjLayout.DestroySize);
    /// <summary>DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD.</summary>
    public static uint SyncobjHandleToFd => DrmIoctl.Iowr(SyncobjLayout.NrHandleToFd, SyncobjLayout.HandleSize);
    /// <summary>DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE.</summary>
    public static uint SyncobjFdToHandle => DrmIoctl.Iowr(SyncobjLayout.NrFdToHandle, SyncobjLayout.HandleSize);
    /// <summary>DRM_IOCTL_SYNCOBJ_WAIT.</summary>
    public static uint SyncobjWait => DrmIoctl.Iowr(SyncobjLayout.NrWait, SyncobjLayout.WaitSize);
    /// <summary>DRM_IOCTL_SYNCOBJ_RESET.</summary>
    public static uint SyncobjReset => DrmIoctl.Iowr(SyncobjLayout.NrReset, SyncobjLayout.ArraySize);
    /// <summary>DRM_IOCTL_SYNCOBJ_SIGNAL.</summary>
    public static uint SyncobjSignal => DrmIoctl.Iowr(SyncobjLayout.NrSignal, SyncobjLayout.ArraySize);

    /// <summary>DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT.</summary>
    public static uint SyncobjTimelineWait => DrmIoctl.Iowr(SyncobjLayout.NrTimelineWait, SyncobjLayout.TimelineWaitSize);

    /// <summary>DRM_IOCTL_SYNCOBJ_QUERY.</summary>
    public static uint SyncobjQuery => DrmIoctl.Iowr(SyncobjLayout.NrQuery, SyncobjLayout.TimelineArraySize);

    /// <summary>DRM_IOCTL_SYNCOBJ_TRANSFER.</summary>
    public static uint SyncobjTransfer => DrmIoctl.Iowr(SyncobjLayout.NrTransfer, SyncobjLayout.TransferSize);

    /// <summary>DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL.</summary>
    public static uint SyncobjTimelineSignal => DrmIoctl.Iowr(SyncobjLayout.NrTimelineSignal, SyncobjLayout.TimelineArraySize);
}
