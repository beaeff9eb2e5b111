using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Prime;
using Driver.Drm.Syncobj;

namespace Driver.Drm;

/// <summary>
/// The process an ioctl came from, as the driver side sees it: its memory (copy_from_user / copy_to_user, done by the
/// server with process_vm_readv/writev) and its file descriptors (sync_file fences). The server implements it per
/// call; tests implement it over a byte array.
/// </summary>
public interface IDrmCaller
{
    /// <summary>The calling process id (for drm_file's pid and for logs).</summary>
    int Pid { get; }

    /// <summary>
    /// signal_pending(current) for the call's interruptible waits: fires when a signal interrupts the caller while
    /// the call runs (the shim's INTERRUPT), and the wait ends with -EINTR (the kernel's -ERESTARTSYS, seen as EINTR by
    /// a handler without SA_RESTART, the only kind the shim passes on). None by default.
    /// </summary>
    CancellationToken SignalPending => CancellationToken.None;

    /// <summary>copy_from_user: false when any byte of the range cannot be read (the ioctl answers -EFAULT).</summary>
    bool TryRead(ulong address, Span<byte> destination);

    /// <summary>copy_to_user: false when any byte of the range cannot be written (the ioctl answers -EFAULT).</summary>
    bool TryWrite(ulong address, ReadOnlySpan<byte> source);

    /// <summary>
    /// sync_file_get_fence: the fence behind the caller's file descriptor <paramref name="fd"/>, or null when the
    /// descriptor is not a sync_file of this server (the ioctl answers -EINVAL, as i915 does for a bad in-fence).
    /// </summary>
    DmaFence? GetSyncFileFence(int fd);

    /// <summary>
    /// sync_file_create + fd_install: gives the caller a new sync_file descriptor for <paramref name="fence"/>. The
    /// descriptor's number is known only once the caller has received it, so it is written, as a 32-bit int, at
    /// <paramref name="patchAddress"/> in the caller's memory after the ioctl returns 0 (as i915 stores the out-fence fd
    /// in the upper half of execbuffer2.rsvd2). Returns 0 or a negative errno (-EMFILE, -ENOMEM).
    /// </summary>
    int InstallSyncFile(DmaFence fence, ulong patchAddress);

    /// <summary>
    /// get_unused_fd_flags for a sync_file that <see cref="InstallSyncFile"/> will install later in the same call:
    /// 0 when the caller can take one more descriptor, else a negative errno (-EMFILE). Execbuf asks before it builds
    /// anything, so a full table fails it with nothing submitted.
    /// </summary>
    int ReserveSyncFile() => 0;

    /// <summary>
    /// The syncobj behind the caller's file descriptor <paramref name="fd"/> (an fd from SYNCOBJ_HANDLE_TO_FD, in this
    /// or another process), or null when it is no syncobj fd of this server (drm_syncobj_fd_to_handle's -EINVAL).
    /// </summary>
    DrmSyncobj? GetSyncobjFile(int fd) => null;

    /// <summary>
    /// drm_syncobj_get_fd + fd_install: gives the caller a new descriptor naming <paramref name="syncobj"/>; its number
    /// is written as a 32-bit int at <paramref name="patchAddress"/> once the ioctl has returned 0, as for
    /// <see cref="InstallSyncFile"/>. Returns 0 or a negative errno (-EMFILE; -ENODEV where the caller has no fds).
    /// </summary>
    int InstallSyncobjFile(DrmSyncobj syncobj, ulong patchAddress) => -Errno.ENODEV;

    /// <summary>
    /// dma_buf_get: 0 and the dma-buf behind the caller's descriptor <paramref name="fd"/>; -EBADF when the descriptor
    /// is not open, -EINVAL when it is open but no dma-buf of this server (as drm_gem_prime_fd_to_handle answers).
    /// A caller without dma-buf descriptors has none open.
    /// </summary>
    int GetDmaBuf(int fd, out DmaBuf? buf)
    {
        buf = null;
        return -Errno.EBADF;
    }

    /// <summary>
    /// dma_buf_fd + fd_install (PRIME_HANDLE_TO_FD): gives the caller a new descriptor for <paramref name="buf"/>,
    /// its number written, as a 32-bit int, at <paramref name="patchAddress"/> after the ioctl returns 0, as for
    /// <see cref="InstallSyncFile"/>. Returns 0 or a negative errno (-EMFILE); -ENODEV for a caller that cannot hold one.
    /// </summary>
    int InstallDmaBuf(DmaBuf buf, ulong patchAddress) => -Errno.ENODEV;

    /// <summary>
    /// probe_range: whether every page of [<paramref name="address"/>, +<paramref name="length"/>) lies in some
    /// mapping of the caller (PROT_NONE ones included). By default: whether the first byte of each page reads.
    /// </summary>
    bool IsMapped(ulong address, ulong length)
    {
        Span<byte> one = stackalloc byte[1];
        for (ulong at = address; at - address < length; at += 4096)
        {
            if (!TryRead(at, one))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// GEM_USERPTR's sharing of user pages: the caller's [<paramref name="address"/>, +the runs' length) becomes the
    /// device memory arena's <paramref name="runs"/> (their bytes first set to the range's current contents), so that
    /// the process's pages and the object's are one from the call's return on (the shim maps the runs
    /// MAP_SHARED|MAP_FIXED over the range). <paramref name="hold"/> lives while any process maps them and is
    /// disposed after. 0, or a negative errno (then the hold is the driver's to drop); -ENODEV for a caller whose
    /// pages cannot be replaced (in-process callers).
    /// </summary>
    int ShareUserRange(ulong address, IReadOnlyList<ArenaRun> runs, IDisposable hold) => -Errno.ENODEV;

    /// <summary>
    /// capable(<paramref name="capability"/>): whether the calling process's effective credentials hold the capability
    /// (<see cref="Capabilities"/>), decided per ioctl as the kernel checks current's creds, not the opener's. An
    /// in-process caller has no credentials of its own and counts as root.
    /// </summary>
    bool Capable(int capability) => true;
}
