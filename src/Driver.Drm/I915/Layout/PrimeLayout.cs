namespace Driver.Drm.I915.Layout;

/// <summary>drm.h's struct drm_prime_handle (PRIME_HANDLE_TO_FD, PRIME_FD_TO_HANDLE): u32 handle, u32 flags, s32 fd.</summary>
public static class PrimeLayout
{
    /// <summary>sizeof(struct drm_prime_handle).</summary>
    public const int Size = 12;
    /// <summary>drm_prime_handle.handle.</summary>
    public const int Handle = 0;
    /// <summary>drm_prime_handle.flags.</summary>
    public const int Flags = 4;
    /// <summary>drm_prime_handle.fd.</summary>
    public const int Fd = 8;
    /// <summary>DRM_CLOEXEC (O_CLOEXEC) | DRM_RDWR (O_RDWR): the flags PRIME_HANDLE_TO_FD accepts.</summary>
    public const uint ValidFlags = 0x80000 | 0x2;
}
