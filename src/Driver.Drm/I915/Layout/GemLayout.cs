namespace Driver.Drm.I915.Layout;

/// <summary>
/// i915_drm.h GEM object structs: create(_ext), mmap_offset (mmap_gtt is its 16-byte prefix), legacy mmap, set_domain,
/// caching, pread/pwrite, busy, wait, get_aperture, madvise, and their flag values.
/// </summary>
public static class GemLayout
{
    /// <summary>sizeof(struct drm_i915_gem_create): u64 size, u32 handle, u32 pad.</summary>
    public const int CreateSize = 16;
    /// <summary>sizeof(struct drm_i915_gem_create_ext): u64 size, u32 handle, u32 flags, u64 extensions.</summary>
    public const int CreateExtSize = 24;
    /// <summary>create.size.</summary>
    public const int CreateSizeField = 0;
    /// <summary>create.handle.</summary>
    public const int CreateHandle = 8;
    /// <summary>create_ext.flags.</summary>
    public const int CreateExtFlags = 12;
    /// <summary>create_ext.extensions.</summary>
    public const int CreateExtExtensions = 16;
    /// <summary>I915_GEM_CREATE_EXT_FLAG_NEEDS_CPU_ACCESS.</summary>
    public const uint CreateExtNeedsCpuAccess = 1;
    /// <summary>I915_GEM_CREATE_EXT_MEMORY_REGIONS.</summary>
    public const uint CreateExtMemoryRegions = 0;
    /// <summary>I915_GEM_CREATE_EXT_PROTECTED_CONTENT.</summary>
    public const uint CreateExtProtectedContent = 1;
    /// <summary>sizeof(struct drm_i915_gem_create_ext_memory_regions): base (32), u32 pad, u32 num_regions, u64 regions.</summary>
    public const int CreateExtRegionsSize = 48;
    /// <summary>memory_regions.pad.</summary>
    public const int CreateExtRegionsPad = 32;
    /// <summary>memory_regions.num_regions.</summary>
    public const int CreateExtRegionsNum = 36;
    /// <summary>memory_regions.regions (array of drm_i915_gem_memory_class_instance, 4 bytes each).</summary>
    public const int CreateExtRegionsPtr = 40;

    /// <summary>sizeof(struct drm_i915_gem_mmap_offset): u32 handle, u32 pad, u64 offset, u64 flags, u64 extensions.</summary>
    public const int MmapOffsetSize = 32;
    /// <summary>sizeof(struct drm_i915_gem_mmap_gtt): u32 handle, u32 pad, u64 offset.</summary>
    public const int MmapGttSize = 16;
    /// <summary>mmap_offset.handle.</summary>
    public const int MmapOffsetHandle = 0;
    /// <summary>mmap_offset.offset.</summary>
    public const int MmapOffsetOffset = 8;
    /// <summary>mmap_offset.flags.</summary>
    public const int MmapOffsetFlags = 16;
    /// <summary>mmap_offset.extensions.</summary>
    public const int MmapOffsetExtensions = 24;
    /// <summary>I915_MMAP_OFFSET_GTT.</summary>
    public const ulong MmapOffsetGtt = 0;
    /// <summary>I915_MMAP_OFFSET_WC.</summary>
    public const ulong MmapOffsetWc = 1;
    /// <summary>I915_MMAP_OFFSET_WB.</summary>
    public const ulong MmapOffsetWb = 2;
    /// <summary>I915_MMAP_OFFSET_UC.</summary>
    public const ulong MmapOffsetUc = 3;
    /// <summary>I915_MMAP_OFFSET_FIXED.</summary>
    public const ulong MmapOffsetFixed = 4;

    /// <summary>sizeof(struct drm_i915_gem_mmap): u32 handle, u32 pad, u64 offset, u64 size, u64 addr_ptr, u64 flags.</summary>
    public const int MmapSize = 40;
    /// <summary>mmap.handle.</summary>
    public const int MmapHandle = 0;
    /// <summary>mmap.flags.</summary>
    public const int MmapFlags = 32;
    /// <summary>I915_MMAP_WC.</summary>
    public const ulong MmapWc = 1;

    /// <summary>sizeof(struct drm_i915_gem_set_domain): u32 handle, u32 read_domains, u32 write_domain.</summary>
    public const int SetDomainSize = 12;
    /// <summary>set_domain.handle.</summary>
    public const int SetDomainHandle = 0;
    /// <summary>set_domain.read_domains.</summary>
    public const int SetDomainRead = 4;
    /// <summary>set_domain.write_domain.</summary>
    public const int SetDomainWrite = 8;
    /// <summary>I915_GEM_DOMAIN_CPU.</summary>
    public const uint DomainCpu = 0x1;
    /// <summary>I915_GEM_GPU_DOMAINS: RENDER | SAMPLER | COMMAND | INSTRUCTION | VERTEX.</summary>
    public const uint GpuDomains = 0x3e;
    /// <summary>I915_GEM_DOMAIN_GTT.</summary>
    public const uint DomainGtt = 0x40;
    /// <summary>I915_GEM_DOMAIN_WC.</summary>
    public const uint DomainWc = 0x80;

    /// <summary>sizeof(struct drm_i915_gem_caching): u32 handle, u32 caching.</summary>
    public const int CachingSize = 8;
    /// <summary>caching.handle.</summary>
    public const int CachingHandle = 0;
    /// <summary>caching.caching.</summary>
    public const int CachingValue = 4;
    /// <summary>I915_CACHING_NONE.</summary>
    public const uint CachingNone = 0;
    /// <summary>I915_CACHING_CACHED.</summary>
    public const uint CachingCached = 1;
    /// <summary>I915_CACHING_DISPLAY.</summary>
    public const uint CachingDisplay = 2;

    /// <summary>sizeof(struct drm_i915_gem_pread) = sizeof(struct drm_i915_gem_pwrite): u32 handle, u32 pad, u64 offset, u64 size, u64 data_ptr.</summary>
    public const int RwSize = 32;
    /// <summary>pread/pwrite.handle.</summary>
    public const int RwHandle = 0;
    /// <summary>pread/pwrite.offset.</summary>
    public const int RwOffset = 8;
    /// <summary>pread/pwrite.size.</summary>
    public const int RwLength = 16;
    /// <summary>pread/pwrite.data_ptr.</summary>
    public const int RwData = 24;

    /// <summary>sizeof(struct drm_i915_gem_busy): u32 handle, u32 busy.</summary>
    public const int BusySize = 8;
    /// <summary>busy.handle.</summary>
    public const int BusyHandle = 0;
    /// <summary>busy.busy.</summary>
    public const int BusyValue = 4;

    /// <summary>sizeof(struct drm_i915_gem_wait): u32 bo_handle, u32 flags, s64 timeout_ns.</summary>
    public const int WaitSize = 16;
    /// <summary>wait.bo_handle.</summary>
    public const int WaitHandle = 0;
    /// <summary>wait.flags.</summary>
    public const int WaitFlags = 4;
    /// <summary>wait.timeout_ns.</summary>
    public const int WaitTimeout = 8;

    /// <summary>sizeof(struct drm_i915_gem_get_aperture): u64 aper_size, u64 aper_available_size.</summary>
    public const int ApertureSize = 16;

    /// <summary>sizeof(struct drm_i915_gem_madvise): u32 handle, u32 madv, u32 retained.</summary>
    public const int MadviseSize = 12;
    /// <summary>madvise.handle.</summary>
    public const int MadviseHandle = 0;
    /// <summary>madvise.madv.</summary>
    public const int MadviseMadv = 4;
    /// <summary>madvise.retained.</summary>
    public const int MadviseRetained = 8;

    /// <summary>sizeof(struct drm_i915_gem_sw_finish): u32 handle.</summary>
    public const int SwFinishSize = 4;

    /// <summary>sizeof(struct drm_i915_gem_get_tiling): u32 handle, u32 tiling_mode, u32 swizzle_mode, u32 phys_swizzle_mode.</summary>
    public const int GetTilingSize = 16;
}
