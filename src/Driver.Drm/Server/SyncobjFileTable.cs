using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Server;

/// <summary>
/// syncobj fds (drm_syncobj_get_fd's anon file) as pipes, like the sync_file ones (<see cref="SyncFileTable"/>): the
/// client holds the read end, passed by SCM_RIGHTS; the pipe's inode names the syncobj across dup, fork and fd passing,
/// so FD_TO_HANDLE in any process finds it. Nothing is ever written: the write end is closed at once, and the shim
/// needs no change (only SYNC_IOC requests on a pipe go to the server, which answers -ENOTTY for a syncobj fd).
/// </summary>
internal sealed unsafe class SyncobjFileTable
{
    private readonly ConcurrentDictionary<ulong, DrmSyncobj> _byInode = new();

    /// <summary>syncobj fds handed out so far.</summary>
    public int Count => _byInode.Count;

    /// <summary>drm_syncobj_get_fd: a new pipe naming <paramref name="syncobj"/>; its read end or a negative errno.</summary>
    public int Create(DrmSyncobj syncobj)
    {
        int* fds = stackalloc int[2];
        if (LibC.pipe2(fds, LibC.OCloexec) < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }
        int readFd = fds[0];
        LibC.close(fds[1]);
        if (SyncFileTable.InodeOf($"/proc/self/fd/{readFd}") is not { } ino)
        {
            LibC.close(readFd);
            return -22; // EINVAL: no /proc, no way to name the syncobj
        }
        // The table holds the syncobj for as long as the server runs (as SyncFileTable holds its fences); pipefs
        // inode numbers only come round again when the kernel's 32-bit counter wraps.
        _byInode[ino] = syncobj;
        return readFd;
    }

    /// <summary>The syncobj behind <paramref name="fd"/> of process <paramref name="pid"/>, or null.</summary>
    public DrmSyncobj? Lookup(int pid, int fd) =>
        fd >= 0 && SyncFileTable.InodeOf($"/proc/{pid}/fd/{fd}") is { } ino && _byInode.TryGetValue(ino, out DrmSyncobj? s) ? s : null;
}
