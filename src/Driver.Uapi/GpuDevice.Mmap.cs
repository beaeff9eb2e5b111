using Driver.Core.Errors;
using Driver.Core.Ggtt;
using Driver.Core.Memory;
using Driver.Reset.Mmap;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>GTT mmaps, fence registers, and the <see cref="DeviceConfig.MmapResetPolicy"/> across full resets.</summary>
    public GttMmapManager Mmaps { get; }

    private GttMmapManager CreateMmaps()
    {
        var mmaps = new GttMmapManager(Gt.Ggtt, Reset, Config.MmapResetPolicy, Config.FenceRegisters, _log);
        Reset.AddObserver(mmaps);
        return mmaps;
    }

    /// <summary>
    /// Maps an object through the GTT aperture with <paramref name="tiling"/> and <paramref name="stride"/> bytes per
    /// row (set_tiling + MMAP_OFFSET GTT): accesses see the surface linearly and are detiled by a fence register.
    /// ENOENT for an unknown client or handle; EINVAL for an unknown tiling, a stride that is not a multiple of the
    /// tile width (512 for X, 128 for Y; 0 for linear) or an object that is not whole tile rows; EBUSY to retile an
    /// object that still has GTT mmaps; ENODEV for a userptr object (no mmap at all). Works while wedged.
    /// </summary>
    public int MapGtt(int clientId, int handle, TilingMode tiling, int stride, out GttMapping? mapping)
    {
        mapping = null;
        try
        {
            // Held across the map: a GEM_CLOSE meanwhile releases the object (revoking this mapping) only after the
            // mapping is registered, never before (which left a mapping of freed pages that a fault would bind).
            BufferObject bo = GetObjectHeld(GetClient(clientId), handle);
            try
            {
                // __assign_mmap_offset: i915_gem_object_never_mmap (userptr's I915_GEM_OBJECT_NO_MMAP). The aperture
                // would reach the pages the object was last built with, which a migration of the range leaves behind.
                if (_userptrs.ContainsKey(bo))
                {
                    return -Errno.ENODEV;
                }

                mapping = Mmaps.Map(bo, tiling, stride);
            }
            finally
            {
                DropExecbufHold(bo);
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }
}
