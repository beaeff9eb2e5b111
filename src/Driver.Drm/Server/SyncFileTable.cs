using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Driver.Core.Fences;
using Driver.Core.Prime;

namespace Driver.Drm.Server;

/// <summary>
/// sync_file fds as pipes: the client holds the read end (passed by SCM_RIGHTS), the server writes one byte into the
/// write end when the fence signals, so poll() on the fd works without interception. The pipe's inode names the
/// fence across dup, fork and fd passing (every copy is the same pipe). dma-buf fds (PRIME_HANDLE_TO_FD) are pipes
/// of the same table, named the same way: one table, so a pipe inode the kernel reuses names only what it was made
/// for last.
/// </summary>
internal sealed unsafe class SyncFileTable
{
    private readonly ConcurrentDictionary<ulong, object> _byInode = new();
    private int _fences;
    private int _dmaBufs;

    /// <summary>Fences handed out so far.</summary>
    public int Count => Volatile.Read(ref _fences);

    /// <summary>dma-buf descriptors handed out so far.</summary>
    public int DmaBufCount => Volatile.Read(ref _dmaBufs);

    /// <summary>
    /// sync_file_create: a new pipe for <paramref name="fence"/>; returns its read end (the caller sends it and closes
    /// it) or a negative errno.
    /// </summary>
    public int Create(DmaFence fence)
    {
        int* fds = stackalloc int[2];
        if (LibC.pipe2(fds, LibC.OCloexec) < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }
        int readFd = fds[0], writeFd = fds[1];
        ulong? inode = InodeOf($"/proc/self/fd/{readFd}");
        if (inode is not { } ino)
        {
            LibC.close(readFd);
            LibC.close(writeFd);
            return -22; // EINVAL: no /proc, no way to name the fence
        }
        _byInode[ino] = fence;
        Interlocked.Increment(ref _fences);
        // One byte and the write end closed when the fence signals: POLLIN from then on, as sync_file_poll says.
        var signalled = new ActionFenceCallback(_ => Complete(writeFd));
        if (!fence.AddCallback(signalled))
        {
            Complete(writeFd);
        }
        return readFd;
    }

    /// <summary>sync_file_get_fence: the fence behind <paramref name="fd"/> of process <paramref name="pid"/>, or null.</summary>
    public DmaFence? Lookup(int pid, int fd) =>
        fd >= 0 && InodeOf($"/proc/{pid}/fd/{fd}") is { } ino && _byInode.TryGetValue(ino, out object? o) ? o as DmaFence : null;

    /// <summary>
    /// dma_buf_fd: a new pipe naming <paramref name="buf"/>; returns its read end (the caller sends it and closes it)
    /// or a negative errno. The write end is closed at once: nothing is ever written (GpuSim's dma-buf fds carry no
    /// poll of the implicit fences; docs/drm-shim.md).
    /// </summary>
    public int CreateDmaBuf(DmaBuf buf)
    {
        int* fds = stackalloc int[2];
        if (LibC.pipe2(fds, LibC.OCloexec) < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }
        int readFd = fds[0];
        LibC.close(fds[1]);
        if (InodeOf($"/proc/self/fd/{readFd}") is not { } ino)
        {
            LibC.close(readFd);
            return -22; // EINVAL: no /proc, no way to name the buffer
        }
        _byInode[ino] = buf;
        Interlocked.Increment(ref _dmaBufs);
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
        buf = PipeInode(target) is { } ino && _byInode.TryGetValue(ino, out object? o) ? o as DmaBuf : null;
        return buf is null ? -22 : 0; // EINVAL: open, but no dma-buf
    }

    private static void Complete(int writeFd)
    {
        byte b = 1;
        LibC.write(writeFd, &b, 1);
        LibC.close(writeFd);
    }

    /// <summary>"pipe:[1234]" → 1234 (the syncobj fds are pipes too: <see cref="SyncobjFileTable"/>).</summary>
    internal static ulong? InodeOf(string link) => LibC.ReadLink(link) is { } target ? PipeInode(target) : null;

    private static ulong? PipeInode(string target) =>
        target.StartsWith("pipe:[", StringComparison.Ordinal) && target.EndsWith(']')
            && ulong.TryParse(target.AsSpan(6, target.Length - 7), out ulong ino) ? ino : null;
}
