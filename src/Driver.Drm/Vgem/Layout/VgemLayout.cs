namespace Driver.Drm.Vgem.Layout;

/// <summary>
/// The structs vgem's ioctls use (x86-64 layout, little-endian): drm_mode.h's dumb-buffer structs and vgem_drm.h's
/// fence structs (drm_prime_handle is <see cref="I915.Layout.PrimeLayout"/>).
/// </summary>
public static class VgemLayout
{
    /// <summary>sizeof(struct drm_mode_create_dumb): u32 height, width, bpp, flags, handle, pitch; u64 size.</summary>
    public const int CreateDumbSize = 32;
    /// <summary>drm_mode_create_dumb.height.</summary>
    public const int CreateDumbHeight = 0;
    /// <summary>drm_mode_create_dumb.width.</summary>
    public const int CreateDumbWidth = 4;
    /// <summary>drm_mode_create_dumb.bpp.</summary>
    public const int CreateDumbBpp = 8;
    /// <summary>drm_mode_create_dumb.flags.</summary>
    public const int CreateDumbFlags = 12;
    /// <summary>drm_mode_create_dumb.handle (out).</summary>
    public const int CreateDumbHandle = 16;
    /// <summary>drm_mode_create_dumb.pitch (out).</summary>
    public const int CreateDumbPitch = 20;
    /// <summary>drm_mode_create_dumb.size (out).</summary>
    public const int CreateDumbSizeField = 24;

    /// <summary>sizeof(struct drm_mode_map_dumb): u32 handle, u32 pad, u64 offset.</summary>
    public const int MapDumbSize = 16;
    /// <summary>drm_mode_map_dumb.handle.</summary>
    public const int MapDumbHandle = 0;
    /// <summary>drm_mode_map_dumb.offset (out): the fake offset to mmap the node at.</summary>
    public const int MapDumbOffset = 8;

    /// <summary>sizeof(struct drm_mode_destroy_dumb): u32 handle.</summary>
    public const int DestroyDumbSize = 4;

    /// <summary>sizeof(struct drm_vgem_fence_attach): u32 handle, flags, out_fence, pad.</summary>
    public const int FenceAttachSize = 16;
    /// <summary>drm_vgem_fence_attach.handle.</summary>
    public const int AttachHandle = 0;
    /// <summary>drm_vgem_fence_attach.flags (VGEM_FENCE_WRITE).</summary>
    public const int AttachFlags = 4;
    /// <summary>drm_vgem_fence_attach.out_fence (out).</summary>
    public const int AttachOutFence = 8;
    /// <summary>drm_vgem_fence_attach.pad.</summary>
    public const int AttachPad = 12;

    /// <summary>sizeof(struct drm_vgem_fence_signal): u32 fence, u32 flags.</summary>
    public const int FenceSignalSize = 8;
    /// <summary>drm_vgem_fence_signal.fence.</summary>
    public const int SignalFence = 0;
    /// <summary>drm_vgem_fence_signal.flags.</summary>
    public const int SignalFlags = 4;
}
