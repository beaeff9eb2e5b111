using Driver.Core.Errors;
using Driver.Core.Prime;
using Driver.Drm.I915.Layout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>
    /// DRM_IOCTL_PRIME_HANDLE_TO_FD (drm_prime_handle_to_fd_ioctl): -EINVAL for flags other than DRM_CLOEXEC and
    /// DRM_RDWR; -ENOENT for an unknown handle; a new descriptor of the object's dma-buf (GpuDevice.PrimeHandleToFd:
    /// one per object, an import's own) in fd.
    /// </summary>
    private int PrimeHandleToFd(IoctlCall c)
    {
        if ((c.Arg.U32(PrimeLayout.Flags) & ~PrimeLayout.ValidFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        int ret = Device.PrimeHandleToFd(c.Client, (int)c.Arg.U32(PrimeLayout.Handle), out DmaBuf? buf);
        if (ret != 0)
        {
            return ret;
        }

        // The installed descriptor opens a file of its own (closed at its last close); the hold PrimeHandleToFd took
        // for this call goes once that is in place, or the install failed.
        ret = c.Caller.InstallDmaBuf(buf!, c.Argument + PrimeLayout.Fd);
        buf!.Close();
        return ret;
    }

    /// <summary>
    /// DRM_IOCTL_PRIME_FD_TO_HANDLE (drm_gem_prime_fd_to_handle → i915_gem_prime_import): -EBADF for no open
    /// descriptor, -EINVAL for one that is no dma-buf; a buffer this file imported before gives its handle again
    /// (drm_prime_lookup_buf_handle); else a new object over the exporter's pages and reservation
    /// (GpuDevice.PrimeFdToHandle), so every execbuf using it waits for the exporter's fences (implicit sync: a vgem
    /// fence corks it). GpuSim limit: a dma-buf of this device is -EINVAL (docs/uapi.md).
    /// </summary>
    private int PrimeFdToHandle(IoctlCall c)
    {
        int ret = c.Caller.GetDmaBuf(c.Arg.S32(PrimeLayout.Fd), out DmaBuf? buf);
        if (ret != 0)
        {
            return ret;
        }

        // Under the file's lock from lookup to insert: two threads importing the same buffer get one handle.
        lock (c.State.Lock)
        {
            if (c.State.PrimeHandles.TryGetValue(buf!, out int known))
            {
                c.Arg.SetU32(PrimeLayout.Handle, (uint)known);
                return 0;
            }

            ret = Device.PrimeFdToHandle(c.Client, buf, out int handle);
            if (ret != 0)
            {
                return ret;
            }

            c.State.PrimeHandles[buf!] = handle;
            _log.Information("i915: pid {Pid} imported {Buf} as handle {Handle}; {Pending} unsignalled fences in its reservation",
                c.Caller.Pid, buf, handle, buf!.Resv.GetFences(Core.Resv.DmaResvUsage.Bookkeep).Count(f => !f.IsSignaled));
            c.Arg.SetU32(PrimeLayout.Handle, (uint)handle);
            return 0;
        }
    }
}
