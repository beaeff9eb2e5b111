namespace Driver.Drm.I915.Layout;

/// <summary>i915_drm.h struct drm_i915_gem_userptr and its flags.</summary>
public static class UserptrLayout
{
    /// <summary>sizeof(struct drm_i915_gem_userptr): u64 user_ptr, u64 user_size, u32 flags, u32 handle.</summary>
    public const int Size = 24;
    /// <summary>user_ptr.</summary>
    public const int UserPtr = 0;
    /// <summary>user_size.</summary>
    public const int UserSize = 8;
    /// <summary>flags.</summary>
    public const int Flags = 16;
    /// <summary>handle (out).</summary>
    public const int Handle = 20;

    /// <summary>I915_USERPTR_READ_ONLY.</summary>
    public const uint ReadOnly = 0x1;
    /// <summary>I915_USERPTR_PROBE.</summary>
    public const uint Probe = 0x2;
    /// <summary>I915_USERPTR_UNSYNCHRONIZED.</summary>
    public const uint Unsynchronized = 0x80000000;
}
