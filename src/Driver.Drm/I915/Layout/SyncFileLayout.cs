namespace Driver.Drm.I915.Layout;

/// <summary>linux/sync_file.h: sync_merge_data, sync_file_info, sync_fence_info.</summary>
public static class SyncFileLayout
{
    /// <summary>sizeof(struct sync_merge_data): char name[32], s32 fd2, s32 fence, u32 flags, u32 pad.</summary>
    public const int MergeSize = 48;
    /// <summary>merge.name.</summary>
    public const int MergeName = 0;
    /// <summary>merge.fd2.</summary>
    public const int MergeFd2 = 32;
    /// <summary>merge.fence, where the new fd is returned.</summary>
    public const int MergeFence = 36;
    /// <summary>merge.flags.</summary>
    public const int MergeFlags = 40;
    /// <summary>merge.pad.</summary>
    public const int MergePad = 44;

    /// <summary>sizeof(struct sync_file_info): char name[32], s32 status, u32 flags, u32 num_fences, u32 pad, u64 sync_fence_info.</summary>
    public const int InfoSize = 56;
    /// <summary>info.name.</summary>
    public const int InfoName = 0;
    /// <summary>info.status.</summary>
    public const int InfoStatus = 32;
    /// <summary>info.flags.</summary>
    public const int InfoFlags = 36;
    /// <summary>info.num_fences.</summary>
    public const int InfoNumFences = 40;
    /// <summary>info.pad.</summary>
    public const int InfoPad = 44;
    /// <summary>info.sync_fence_info.</summary>
    public const int InfoFences = 48;

    /// <summary>sizeof(struct sync_fence_info): char obj_name[32], char driver_name[32], s32 status, u32 flags, u64 timestamp_ns.</summary>
    public const int FenceInfoSize = 80;
    /// <summary>fence_info.obj_name.</summary>
    public const int FenceObjName = 0;
    /// <summary>fence_info.driver_name.</summary>
    public const int FenceDriverName = 32;
    /// <summary>fence_info.status.</summary>
    public const int FenceStatus = 64;
    /// <summary>fence_info.timestamp_ns.</summary>
    public const int FenceTimestamp = 72;

    /// <summary>sizeof(struct sync_set_deadline): u64 deadline_ns, u64 pad.</summary>
    public const int SetDeadlineSize = 16;
}
