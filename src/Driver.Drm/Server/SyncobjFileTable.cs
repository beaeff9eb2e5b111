using System.Collections.Concurrent;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Server;

/// <summary>
/// syncobj fds (drm_syncobj_get_fd's anon file) as pipes, like the sync_file ones (<see cref="SyncFileTable"/>): the
/// client holds the read end, passed by SCM_RIGHTS; the pipe's inode names the syncobj across dup, fork and fd passing,
/// so FD_TO_HANDLE in any process finds it. One byte is written at once, so poll() is ready from the start, as for the
/// kernel's syncobj file, which has no poll (the default mask). The shim needs no change (only SYNC_IOC requests on a
/// pipe go to the server, which answers -ENOTTY for a syncobj fd). The server keeps the write end until
/// the last copy of the read end is closed (<see cref="FdReleaseWatch"/>), then drops the entry and its reference to
/// the syncobj (drm_syncobj_file_release).
/// </summary>
internal sealed unsafe class SyncobjFileTable(FdReleaseWatch watch)
{
    private readonly ConcurrentDictionary<ulong, DrmSyncobj> _byInode = new();
    private int _created;

    /// <summary>syncobj fds handed out so far.</summary>
    public int Count => Volatile.Read(ref _created);

    /// <summary>syncobj fds live now: handed out, and some copy still open somewhere.</summary>
    public int LiveCount => _byInode.Count;

    /// <summary>drm_syncobj_get_fd: a new pipe naming <paramref name="syncobj"/>; its read end or a negative errno.</summary>
    public int Create(DrmSyncobj syncobj)
    {
        int* fds = stackalloc int[2];
        int made = SyncFileTable.NewFilePipe(fds);
        if (made < 0)
        {
            return made;
        }
        int readFd = fds[0];
        var end = new PipeWriteEnd(fds[1]);
        if (SyncFileTable.InodeOf($"/proc/self/fd/{readFd}") is not { } ino)
        {
            LibC.close(readFd);
            end.Close();
            return -22; // EINVAL: no /proc, no way to name the syncobj
        }
        // Entered before the watch starts, while this read end keeps the release away. The write end the watch keeps
        // holds the inode, so no other pipe gets this number until the release below has dropped the entry.
        bool added = _byInode.TryAdd(ino, syncobj);
        System.Diagnostics.Debug.Assert(added, "a pipe inode named two syncobjs");
        end.WriteByte();
        int err = watch.Watch(end, () => _byInode.TryRemove(new KeyValuePair<ulong, DrmSyncobj>(ino, syncobj)));
        if (err < 0)
        {
            _byInode.TryRemove(new KeyValuePair<ulong, DrmSyncobj>(ino, syncobj));
            LibC.close(readFd);
            end.Close();
            return err;
        }
        Interlocked.Increment(ref _created);
        return readFd;
    }

    /// <summary>The syncobj behind <paramref name="fd"/> of process <paramref name="pid"/>, or null.</summary>
    public DrmSyncobj? Lookup(int pid, int fd) =>
        fd >= 0 && SyncFileTable.InodeOf($"/proc/{pid}/fd/{fd}") is { } ino && _byInode.TryGetValue(ino, out DrmSyncobj? s) ? s : null;
}
