namespace Driver.Drm.I915.Layout;

/// <summary>
/// drm.h syncobj structs (x86-64, little-endian): drm_syncobj_create, drm_syncobj_destroy, drm_syncobj_handle,
/// drm_syncobj_wait, drm_syncobj_array, drm_syncobj_timeline_wait, drm_syncobj_timeline_array, drm_syncobj_transfer,
/// and their flags; the DRM_IOCTL_SYNCOBJ_* numbers.
/// </summary>
public static class SyncobjLayout
{
    /// <summary>DRM_IOCTL_SYNCOBJ_CREATE's number.</summary>
    public const uint NrCreate = 0xbf;
    /// <summary>DRM_IOCTL_SYNCOBJ_DESTROY's number.</summary>
    public const uint NrDestroy = 0xc0;
    /// <summary>DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD's number.</summary>
    public const uint NrHandleToFd = 0xc1;
    /// <summary>DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE's number.</summary>
    public const uint NrFdToHandle = 0xc2;
    /// <summary>DRM_IOCTL_SYNCOBJ_WAIT's number.</summary>
    public const uint NrWait = 0xc3;
    /// <summary>DRM_IOCTL_SYNCOBJ_RESET's number.</summary>
    public const uint NrReset = 0xc4;
    /// <summary>DRM_IOCTL_SYNCOBJ_SIGNAL's number.</summary>
    public const uint NrSignal = 0xc5;

    /// <summary>DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT's number.</summary>
    public const uint NrTimelineWait = 0xca;
    /// <summary>DRM_IOCTL_SYNCOBJ_QUERY's number.</summary>
    public const uint NrQuery = 0xcb;
    /// <summary>DRM_IOCTL_SYNCOBJ_TRANSFER's number.</summary>
    public const uint NrTransfer = 0xcc;
    /// <summary>DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL's number.</summary>
    public const uint NrTimelineSignal = 0xcd;

    /// <summary>sizeof(struct drm_syncobj_create): u32 handle, u32 flags.</summary>
    public const int CreateSize = 8;
    /// <summary>drm_syncobj_create.handle.</summary>
    public const int CreateHandle = 0;
    /// <summary>drm_syncobj_create.flags.</summary>
    public const int CreateFlags = 4;
    /// <summary>DRM_SYNCOBJ_CREATE_SIGNALED.</summary>
    public const uint CreateSignaled = 1 << 0;

    /// <summary>sizeof(struct drm_syncobj_destroy): u32 handle, u32 pad.</summary>
    public const int DestroySize = 8;

    /// <summary>sizeof(struct drm_syncobj_handle): u32 handle, u32 flags, s32 fd, u32 pad.</summary>
    public const int HandleSize = 16;
    /// <summary>drm_syncobj_handle.handle.</summary>
    public const int HandleHandle = 0;
    /// <summary>drm_syncobj_handle.flags.</summary>
    public const int HandleFlags = 4;
    /// <summary>drm_syncobj_handle.fd.</summary>
    public const int HandleFd = 8;
    /// <summary>drm_syncobj_handle.pad.</summary>
    public const int HandlePad = 12;
    /// <summary>DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE.</summary>
    public const uint ExportSyncFile = 1 << 0;
    /// <summary>DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE.</summary>
    public const uint ImportSyncFile = 1 << 0;

    /// <summary>sizeof(struct drm_syncobj_wait) with deadline_nsec.</summary>
    public const int WaitSize = 40;
    /// <summary>drm_syncobj_wait.handles (a user pointer to u32s).</summary>
    public const int WaitHandles = 0;
    /// <summary>drm_syncobj_wait.timeout_nsec (absolute CLOCK_MONOTONIC).</summary>
    public const int WaitTimeout = 8;
    /// <summary>drm_syncobj_wait.count_handles.</summary>
    public const int WaitCount = 16;
    /// <summary>drm_syncobj_wait.flags.</summary>
    public const int WaitFlags = 20;
    /// <summary>drm_syncobj_wait.first_signaled.</summary>
    public const int WaitFirstSignaled = 24;
    /// <summary>DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE: a hint GpuSim accepts and ignores.</summary>
    public const uint WaitDeadline = 1 << 3;

    /// <summary>sizeof(struct drm_syncobj_array): u64 handles, u32 count_handles, u32 pad.</summary>
    public const int ArraySize = 16;
    /// <summary>drm_syncobj_array.handles.</summary>
    public const int ArrayHandles = 0;
    /// <summary>drm_syncobj_array.count_handles.</summary>
    public const int ArrayCount = 8;
    /// <summary>drm_syncobj_array.pad.</summary>
    public const int ArrayPad = 12;

    /// <summary>sizeof(struct drm_syncobj_timeline_wait) with deadline_nsec.</summary>
    public const int TimelineWaitSize = 48;
    /// <summary>drm_syncobj_timeline_wait.handles.</summary>
    public const int TimelineWaitHandles = 0;
    /// <summary>drm_syncobj_timeline_wait.points (a user pointer to u64s).</summary>
    public const int TimelineWaitPoints = 8;
    /// <summary>drm_syncobj_timeline_wait.timeout_nsec (absolute CLOCK_MONOTONIC).</summary>
    public const int TimelineWaitTimeout = 16;
    /// <summary>drm_syncobj_timeline_wait.count_handles.</summary>
    public const int TimelineWaitCount = 24;
    /// <summary>drm_syncobj_timeline_wait.flags.</summary>
    public const int TimelineWaitFlags = 28;
    /// <summary>drm_syncobj_timeline_wait.first_signaled.</summary>
    public const int TimelineWaitFirstSignaled = 32;

    /// <summary>sizeof(struct drm_syncobj_timeline_array): u64 handles, u64 points, u32 count_handles, u32 flags.</summary>
    public const int TimelineArraySize = 24;
    /// <summary>drm_syncobj_timeline_array.handles.</summary>
    public const int TimelineArrayHandles = 0;
    /// <summary>drm_syncobj_timeline_array.points.</summary>
    public const int TimelineArrayPoints = 8;
    /// <summary>drm_syncobj_timeline_array.count_handles.</summary>
    public const int TimelineArrayCount = 16;
    /// <summary>drm_syncobj_timeline_array.flags.</summary>
    public const int TimelineArrayFlags = 20;
    /// <summary>DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED: the head's point, signalled or not.</summary>
    public const uint QueryLastSubmitted = 1 << 0;

    /// <summary>sizeof(struct drm_syncobj_transfer).</summary>
    public const int TransferSize = 32;
    /// <summary>drm_syncobj_transfer.src_handle.</summary>
    public const int TransferSrcHandle = 0;
    /// <summary>drm_syncobj_transfer.dst_handle.</summary>
    public const int TransferDstHandle = 4;
    /// <summary>drm_syncobj_transfer.src_point.</summary>
    public const int TransferSrcPoint = 8;
    /// <summary>drm_syncobj_transfer.dst_point.</summary>
    public const int TransferDstPoint = 16;
    /// <summary>drm_syncobj_transfer.flags (drm_syncobj_find_fence's: WAIT_FOR_SUBMIT).</summary>
    public const int TransferFlags = 24;
    /// <summary>drm_syncobj_transfer.pad.</summary>
    public const int TransferPad = 28;
}
