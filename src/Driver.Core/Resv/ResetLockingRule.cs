namespace Driver.Core.Resv;

/// <summary>
/// Which side of the fence-signalling rule a device's driver keeps (the 2018 dma-buf invalidate_mappings / reset
/// locking thread): one of the two orders between reservation locks and fence waits. Each rule is deadlock-free on
/// its own; two devices that share a buffer and keep different rules are not.
/// </summary>
public enum ResetLockingRule
{
    /// <summary>
    /// i915's: waits on fences under reservation locks are allowed (i915_gem_object_wait under
    /// i915_gem_object_lock, as set-domain and the eb relocation paths do); its reset never takes a reservation lock
    /// (intel_gt_reset signals fences without touching buffer objects). dma_resv lock → dma_fence_map.
    /// </summary>
    I915,

    /// <summary>
    /// amdgpu's: the driver never waits on a fence while holding a reservation lock; its reset may take them
    /// (amdgpu_device_gpu_recover evicts and re-validates buffers: amdgpu_device_evict_resources takes each
    /// buffer's dma_resv). dma_fence_map → dma_resv lock.
    /// </summary>
    Amdgpu,
}
