namespace Driver.Drm.I915.Layout;

/// <summary>
/// i915_drm.h GETPARAM and QUERY structs: drm_i915_getparam, drm_i915_query, drm_i915_query_item,
/// drm_i915_query_engine_info / drm_i915_engine_info, drm_i915_query_memory_regions / drm_i915_memory_region_info.
/// </summary>
public static class QueryLayout
{
    /// <summary>sizeof(struct drm_i915_getparam): s32 param, 4 bytes padding, int *value.</summary>
    public const int GetParamSize = 16;
    /// <summary>getparam.param.</summary>
    public const int GetParamParam = 0;
    /// <summary>getparam.value (a user pointer to an int).</summary>
    public const int GetParamValue = 8;

    /// <summary>sizeof(struct drm_i915_query): u32 num_items, u32 flags, u64 items_ptr (DRM_IOCTL_I915_QUERY's size is 16).</summary>
    public const int QuerySize = 16;
    /// <summary>query.num_items (u32).</summary>
    public const int QueryNumItems = 0;
    /// <summary>query.flags (u32).</summary>
    public const int QueryFlags = 4;
    /// <summary>query.items_ptr.</summary>
    public const int QueryItems = 8;

    /// <summary>sizeof(struct drm_i915_query_item): u64 query_id, s32 length, u32 flags, u64 data_ptr.</summary>
    public const int ItemSize = 24;
    /// <summary>item.query_id.</summary>
    public const int ItemId = 0;
    /// <summary>item.length.</summary>
    public const int ItemLength = 8;
    /// <summary>item.flags.</summary>
    public const int ItemFlags = 12;
    /// <summary>item.data_ptr.</summary>
    public const int ItemData = 16;

    /// <summary>DRM_I915_QUERY_ENGINE_INFO.</summary>
    public const ulong QueryEngineInfo = 2;
    /// <summary>DRM_I915_QUERY_MEMORY_REGIONS.</summary>
    public const ulong QueryMemoryRegions = 4;

    /// <summary>The header of drm_i915_query_engine_info / drm_i915_query_memory_regions: u32 count, u32 rsvd[3].</summary>
    public const int ListHeader = 16;
    /// <summary>sizeof(struct drm_i915_engine_info).</summary>
    public const int EngineInfoSize = 56;
    /// <summary>engine_info.flags.</summary>
    public const int EngineInfoFlags = 8;
    /// <summary>engine_info.capabilities.</summary>
    public const int EngineInfoCapabilities = 16;
    /// <summary>engine_info.logical_instance.</summary>
    public const int EngineInfoLogicalInstance = 24;
    /// <summary>I915_ENGINE_INFO_HAS_LOGICAL_INSTANCE.</summary>
    public const ulong EngineInfoHasLogicalInstance = 1 << 0;

    /// <summary>sizeof(struct drm_i915_memory_region_info).</summary>
    public const int RegionInfoSize = 88;
    /// <summary>region_info.probed_size.</summary>
    public const int RegionProbedSize = 8;
    /// <summary>region_info.unallocated_size.</summary>
    public const int RegionUnallocatedSize = 16;
    /// <summary>region_info.probed_cpu_visible_size.</summary>
    public const int RegionProbedCpuVisible = 24;
    /// <summary>region_info.unallocated_cpu_visible_size.</summary>
    public const int RegionUnallocatedCpuVisible = 32;
    /// <summary>I915_MEMORY_CLASS_SYSTEM.</summary>
    public const ushort MemoryClassSystem = 0;
}
