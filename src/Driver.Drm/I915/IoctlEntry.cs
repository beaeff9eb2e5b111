namespace Driver.Drm.I915;

/// <summary>
/// One row of the ioctl table (drm_ioctl_desc): the kernel's direction bits and struct size for the number, and the
/// handler. drm_ioctl copies by the intersection of these directions with the user's and by the larger size.
/// <paramref name="RenderAllow"/> is the DRM_RENDER_ALLOW flag: without it a render client gets -EACCES
/// (drm_ioctl_permit); every i915 ioctl modelled has it, the core's SET_MASTER and DROP_MASTER do not.
/// </summary>
public sealed record IoctlEntry(uint Dir, int Size, Func<IoctlCall, int> Handler, bool RenderAllow = true);
