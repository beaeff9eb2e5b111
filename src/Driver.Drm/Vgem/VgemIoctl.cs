using Driver.Drm.I915;

namespace Driver.Drm.Vgem;

/// <summary>vgem_drm.h's private ioctl numbers (DRM_COMMAND_BASE + DRM_VGEM_*).</summary>
public static class VgemIoctl
{
    /// <summary>DRM_VGEM_FENCE_ATTACH.</summary>
    public const uint FenceAttach = DrmIoctl.CommandBase + 0x1;

    /// <summary>DRM_VGEM_FENCE_SIGNAL.</summary>
    public const uint FenceSignal = DrmIoctl.CommandBase + 0x2;
}
