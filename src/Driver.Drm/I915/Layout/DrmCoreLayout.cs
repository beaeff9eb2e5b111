namespace Driver.Drm.I915.Layout;

/// <summary>drm.h core structs: drm_version, drm_get_cap, drm_gem_close (x86-64 layout, little-endian).</summary>
public static class DrmCoreLayout
{
    /// <summary>sizeof(struct drm_version): three ints, 4 bytes of padding, three (size_t len, char *ptr) pairs.</summary>
    public const int VersionSize = 64;
    /// <summary>drm_version.version_major.</summary>
    public const int VersionMajor = 0;
    /// <summary>drm_version.version_minor.</summary>
    public const int VersionMinor = 4;
    /// <summary>drm_version.version_patchlevel.</summary>
    public const int VersionPatch = 8;
    /// <summary>drm_version.name_len.</summary>
    public const int VersionNameLen = 16;
    /// <summary>drm_version.name.</summary>
    public const int VersionName = 24;
    /// <summary>drm_version.date_len.</summary>
    public const int VersionDateLen = 32;
    /// <summary>drm_version.date.</summary>
    public const int VersionDate = 40;
    /// <summary>drm_version.desc_len.</summary>
    public const int VersionDescLen = 48;
    /// <summary>drm_version.desc.</summary>
    public const int VersionDesc = 56;

    /// <summary>sizeof(struct drm_get_cap): u64 capability, u64 value.</summary>
    public const int GetCapSize = 16;
    /// <summary>drm_get_cap.capability.</summary>
    public const int GetCapCapability = 0;
    /// <summary>drm_get_cap.value.</summary>
    public const int GetCapValue = 8;

    /// <summary>sizeof(struct drm_gem_close): u32 handle, u32 pad.</summary>
    public const int GemCloseSize = 8;
    /// <summary>drm_gem_close.handle.</summary>
    public const int GemCloseHandle = 0;

    /// <summary>DRM_CAP_DUMB_BUFFER.</summary>
    public const ulong CapDumbBuffer = 0x1;
    /// <summary>DRM_CAP_VBLANK_HIGH_CRTC.</summary>
    public const ulong CapVblankHighCrtc = 0x2;
    /// <summary>DRM_CAP_DUMB_PREFERRED_DEPTH.</summary>
    public const ulong CapDumbPreferredDepth = 0x3;
    /// <summary>DRM_CAP_DUMB_PREFER_SHADOW.</summary>
    public const ulong CapDumbPreferShadow = 0x4;
    /// <summary>DRM_CAP_PRIME.</summary>
    public const ulong CapPrime = 0x5;
    /// <summary>DRM_CAP_TIMESTAMP_MONOTONIC.</summary>
    public const ulong CapTimestampMonotonic = 0x6;
    /// <summary>DRM_CAP_ASYNC_PAGE_FLIP.</summary>
    public const ulong CapAsyncPageFlip = 0x7;
    /// <summary>DRM_CAP_CURSOR_WIDTH.</summary>
    public const ulong CapCursorWidth = 0x8;
    /// <summary>DRM_CAP_CURSOR_HEIGHT.</summary>
    public const ulong CapCursorHeight = 0x9;
    /// <summary>DRM_CAP_ADDFB2_MODIFIERS.</summary>
    public const ulong CapAddFb2Modifiers = 0x10;
    /// <summary>DRM_CAP_PAGE_FLIP_TARGET.</summary>
    public const ulong CapPageFlipTarget = 0x11;
    /// <summary>DRM_CAP_CRTC_IN_VBLANK_EVENT.</summary>
    public const ulong CapCrtcInVblankEvent = 0x12;
    /// <summary>DRM_CAP_SYNCOBJ.</summary>
    public const ulong CapSyncobj = 0x13;
    /// <summary>DRM_CAP_SYNCOBJ_TIMELINE.</summary>
    public const ulong CapSyncobjTimeline = 0x14;
}
