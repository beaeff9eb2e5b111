using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Driver.Core.Fences;

namespace Driver.Drm.Server;

/// <summary>
/// sync_file fds as pipes: the client holds the read end (passed by SCM_RIGHTS), the server writes one byte into the
/// write end when the fence signals, so poll() on the fd works without interception. The pipe's inode names the
/// fence across dup, fork and fd passing (every copy is the same pipe).
/// </summary>
internal sealed unsafe class SyncFileTable
{
    private readonly ConcurrentDictionary<ulong, DmaFence> _byInode = new();

    /// <summary>Fences handed out so far.</summary>
    public int Count => _byInode.Count;

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
        fd >= 0 && InodeOf($"/proc/{pid}/fd/{fd}") is { } ino && _byInode.TryGetValue(ino, out DmaFence? f) ? f : null;

    private static void Complete(int writeFd)
    {
        byte b = 1;
        LibC.write(writeFd, &b, 1);
        LibC.close(writeFd);
    }

    /// <summary>"pipe:[1234]" → 1234 (the syncobj fds are pipes too: <see cref="SyncobjFileTable"/>).</summary>
    internal static ulong? InodeOf(string link)
    {
        string? target = LibC.ReadLink(link);
        return target is not null && target.StartsWith("pipe:[", StringComparison.Ordinal) && target.EndsWith(']')
            && ulong.TryParse(target.AsSpan(6, target.Length - 7), out ulong ino) ? ino : null;
    }
}
