using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Driver.Core.Fences;
using Driver.Core.Prime;

namespace Driver.Drm.Server;

/// <summary>
/// sync_file fds as pipes: the client holds the read end (passed by SCM_RIGHTS), the server writes one byte into the
/// write end when the fence signals, so poll() on the fd works without interception. The pipe's inode names the
/// fence across dup, fork and fd passing (every copy is the same pipe). dma-buf fds (PRIME_HANDLE_TO_FD) are pipes
/// of the same table, named the same way. The server keeps every write end until the last copy of the read end is
/// closed (<see cref="FdReleaseWatch"/>); the entry, and with it the table's reference to the fence or buffer, goes
/// then, as the kernel frees the sync_file or dma-buf at the file's last fput.
/// </summary>
internal sealed unsafe class SyncFileTable(FdReleaseWatch watch)
{
    private readonly ConcurrentDictionary<ulong, object> _byInode = new();
    private int _fences;
    private int _dmaBufs;
    private int _liveFences;
    private int _liveDmaBufs;

    /// <summary>Fences handed out so far.</summary>
    public int Count => Volatile.Read(ref _fences);

    /// <summary>dma-buf descriptors handed out so far.</summary>
    public int DmaBufCount => Volatile.Read(ref _dmaBufs);

    /// <summary>sync_file fds live now: handed out, and some copy still open somewhere.</summary>
    public int LiveCount => Volatile.Read(ref _liveFences);

    /// <summary>dma-buf fds live now: handed out, and some copy still open somewhere.</summary>
    public int LiveDmaBufCount => Volatile.Read(ref _liveDmaBufs);

    /// <summary>
    /// sync_file_create: a new pipe for <paramref name="fence"/>; returns its read end (the caller sends it and closes
    /// it) or a negative errno.
    /// </summary>
    public int Create(DmaFence fence)
    {
        int readFd = NewPipe(end => new SyncFile(fence, end, new ActionFenceCallback(_ => end.WriteByte())), out SyncFile? file);
        if (readFd < 0)
        {
            return readFd;
        }
        Interlocked.Increment(ref _fences);
        Interlocked.Increment(ref _liveFences);
        // One byte when the fence signals: POLLIN from then on, as sync_file_poll says. The callback is added here,
        // before the caller can send (or close) the read end, so the release, which removes it, comes after. If the
        // fence signals while the release runs (the callback already taken off the list to run), the end's lock
        // decides: the byte then the close, or the close and no byte (PipeWriteEnd).
        if (!fence.AddCallback(file!.Callback))
        {
            file.End.WriteByte();
        }
        return readFd;
    }

    /// <summary>sync_file_get_fence: the fence behind <paramref name="fd"/> of process <paramref name="pid"/>, or null.</summary>
    public DmaFence? Lookup(int pid, int fd) =>
        fd >= 0 && InodeOf($"/proc/{pid}/fd/{fd}") is { } ino && _byInode.TryGetValue(ino, out object? o) && o is SyncFile f ? f.Fence : null;

    /// <summary>
    /// dma_buf_fd: a new pipe naming <paramref name="buf"/>; returns its read end (the caller sends it and closes it)
    /// or a negative errno. One byte is written at once: poll() is ready from the start, as dma_buf_poll is for a
    /// buffer with no unsignalled fences (GpuSim's dma-buf fds carry no poll of the implicit fences; docs/drm-shim.md).
    /// </summary>
    public int CreateDmaBuf(DmaBuf buf)
    {
        int readFd = NewPipe(end => new DmaBufFile(buf, end), out DmaBufFile? file);
        if (readFd >= 0)
        {
            // The fd's file holds the exporter's object until its last copy closes (Release).
            buf.Open();
            file!.End.WriteByte();
            Interlocked.Increment(ref _dmaBufs);
            Interlocked.Increment(ref _liveDmaBufs);
        }
        return readFd;
    }

    /// <summary>
    /// dma_buf_get for <paramref name="fd"/> of process <paramref name="pid"/>: 0 and the buffer; -EBADF when no such
    /// descriptor is open, -EINVAL when it is not a dma-buf of this table.
    /// </summary>
    public int LookupDmaBuf(int pid, int fd, out DmaBuf? buf)
    {
        buf = null;
        string? target = fd >= 0 ? LibC.ReadLink($"/proc/{pid}/fd/{fd}") : null;
        if (target is null)
        {
            return -9; // EBADF
        }
        buf = PipeInode(target) is { } ino && _byInode.TryGetValue(ino, out object? o) && o is DmaBufFile d ? d.Buf : null;
        return buf is null ? -22 : 0; // EINVAL: open, but no dma-buf
    }

    /// <summary>
    /// A new pipe whose write end the watch keeps, entered under its inode as <paramref name="make"/> builds it:
    /// returns the read end, or a negative errno with nothing left open or entered.
    /// </summary>
    private int NewPipe<T>(Func<PipeWriteEnd, T> make, out T? entry)
        where T : class
    {
        entry = null;
        int* fds = stackalloc int[2];
        int piped = NewFilePipe(fds);
        if (piped < 0)
        {
            return piped;
        }
        int readFd = fds[0], writeFd = fds[1];
        if (InodeOf($"/proc/self/fd/{readFd}") is not { } ino)
        {
            LibC.close(readFd);
            LibC.close(writeFd);
            return -22; // EINVAL: no /proc, no way to name the object
        }
        var end = new PipeWriteEnd(writeFd);
        T made = make(end);
        // Entered before the watch starts: the release (not before the caller's read end closes) finds it. No entry
        // can have this inode: a released pipe's entry goes before its write end closes and frees the inode.
        bool added = _byInode.TryAdd(ino, made);
        System.Diagnostics.Debug.Assert(added, "a pipe inode named two entries");
        int err = watch.Watch(end, () => Release(ino, made));
        if (err < 0)
        {
            _byInode.TryRemove(new KeyValuePair<ulong, object>(ino, made));
            LibC.close(readFd);
            end.Close();
            return err;
        }
        entry = made;
        return readFd;
    }

    /// <summary>
    /// The last copy of the read end closed (on the watch's thread, the write end still open, so no new pipe has this
    /// inode): drop the entry, and the fence's callback (sync_file_release's dma_fence_remove_callback). The fence
    /// itself is untouched: whoever signals it still does, once.
    /// </summary>
    private void Release(ulong ino, object entry)
    {
        bool removed = _byInode.TryRemove(new KeyValuePair<ulong, object>(ino, entry));
        System.Diagnostics.Debug.Assert(removed, "a released pipe's entry was gone already");
        switch (entry)
        {
            case SyncFile f:
                f.Fence.RemoveCallback(f.Callback);
                Interlocked.Decrement(ref _liveFences);
                break;
            case DmaBufFile d:
                Interlocked.Decrement(ref _liveDmaBufs);
                d.Buf.Close();
                break;
        }
    }

    /// <summary>
    /// pipe2 for a file the server hands out (sync_file, dma-buf, syncobj), marked with
    /// <see cref="ShimProtocol.FilePipeMode"/>: the kernel's files have no read method (sync_file_fops, dma_buf_fops,
    /// drm_syncobj_file_fops), so the shim fails a read of such a pipe EINVAL instead of taking its byte, which poll()
    /// reports. 0, or a negative errno with nothing left open.
    /// </summary>
    internal static int NewFilePipe(int* fds)
    {
        if (LibC.pipe2(fds, LibC.OCloexec) < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }
        if (LibC.fchmod(fds[1], ShimProtocol.FilePipeMode) < 0)
        {
            int err = Marshal.GetLastPInvokeError();
            LibC.close(fds[0]);
            LibC.close(fds[1]);
            return -err;
        }
        return 0;
    }

    /// <summary>"pipe:[1234]" → 1234 (the syncobj fds are pipes too: <see cref="SyncobjFileTable"/>).</summary>
    internal static ulong? InodeOf(string link) => LibC.ReadLink(link) is { } target ? PipeInode(target) : null;

    private static ulong? PipeInode(string target) =>
        target.StartsWith("pipe:[", StringComparison.Ordinal) && target.EndsWith(']')
            && ulong.TryParse(target.AsSpan(6, target.Length - 7), out ulong ino) ? ino : null;

    private sealed class SyncFile(DmaFence fence, PipeWriteEnd end, FenceCallback callback)
    {
        public DmaFence Fence { get; } = fence;

        public PipeWriteEnd End { get; } = end;

        public FenceCallback Callback { get; } = callback;
    }

    private sealed class DmaBufFile(DmaBuf buf, PipeWriteEnd end)
    {
        public DmaBuf Buf { get; } = buf;

        public PipeWriteEnd End { get; } = end;
    }
}
