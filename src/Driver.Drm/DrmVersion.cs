using System.Text;
using Driver.Core.Errors;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;

namespace Driver.Drm;

/// <summary>DRM_IOCTL_VERSION (drm_version), the same for every driver but for its numbers and strings.</summary>
public static class DrmVersion
{
    /// <summary>
    /// Fills <paramref name="arg"/> (a struct drm_version): the three numbers and, per string, drm_copy_field: as
    /// many bytes as the user's buffer holds (not NUL-terminated), the full length written back; -EFAULT when a
    /// buffer cannot be written.
    /// </summary>
    public static int Write(ArgBuffer arg, IDrmCaller caller, int major, int minor, int patch, string name, string date, string desc)
    {
        ArgumentNullException.ThrowIfNull(arg);
        ArgumentNullException.ThrowIfNull(caller);
        arg.SetS32(DrmCoreLayout.VersionMajor, major);
        arg.SetS32(DrmCoreLayout.VersionMinor, minor);
        arg.SetS32(DrmCoreLayout.VersionPatch, patch);
        foreach ((int lenAt, int ptrAt, string value) in new[]
        {
            (DrmCoreLayout.VersionNameLen, DrmCoreLayout.VersionName, name),
            (DrmCoreLayout.VersionDateLen, DrmCoreLayout.VersionDate, date),
            (DrmCoreLayout.VersionDescLen, DrmCoreLayout.VersionDesc, desc),
        })
        {
            byte[] bytes = Encoding.ASCII.GetBytes(value);
            ulong room = arg.U64(lenAt);
            int len = (int)Math.Min((ulong)bytes.Length, room);
            arg.SetU64(lenAt, (ulong)bytes.Length);
            ulong buf = arg.U64(ptrAt);
            if (len > 0 && buf != 0 && !caller.TryWrite(buf, bytes.AsSpan(0, len)))
            {
                return -Errno.EFAULT;
            }
        }

        return 0;
    }
}
