using Driver.Drm.Syncobj;

namespace Driver.Drm;

/// <summary>
/// One open of the device node (struct drm_file): a GpuDevice client owned by the process that opened it, shared by
/// every descriptor copy (dup, fork, SCM_RIGHTS) until the last closes. The driver keeps its per-file state in
/// <see cref="State"/>.
/// </summary>
public sealed class DrmFile(int clientId, int pid)
{
    /// <summary>The GpuDevice client this file is.</summary>
    public int ClientId { get; } = clientId;

    /// <summary>The process that opened it.</summary>
    public int Pid { get; } = pid;

    /// <summary>
    /// An open of a render node (drm_is_render_client): only DRM_RENDER_ALLOW ioctls (drm_ioctl_permit), never master.
    /// </summary>
    public bool IsRender { get; init; }

    /// <summary>The file's syncobj handles (drm_file.syncobj_idr), dropped at release.</summary>
    public DrmSyncobjTable Syncobjs { get; } = new();

    /// <summary>The driver's per-file state (handles to mmap offsets, etc.).</summary>
    public object? State { get; set; }
}
