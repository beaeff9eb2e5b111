namespace Driver.Drm.I915;

/// <summary>
/// One row of the ioctl table (drm_ioctl_desc): the kernel's direction bits and struct size for the number, and the
/// handler. drm_ioctl copies by the intersection of these directions with the user's and by the larger size.
/// </summary>
public sealed record IoctlEntry(uint Dir, int Size, Func<IoctlCall, int> Handler);
