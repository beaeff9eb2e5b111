using Driver.Core.Fences;
using Driver.Core.Prime;

namespace Driver.Drm.Server;

/// <summary>
/// The process behind one shim request: its memory through process_vm_readv/writev (copy_from_user/copy_to_user; a
/// fault is a short transfer, answered -EFAULT by the driver), its sync_file and dma-buf fds through the server's
/// table. New ones wait in <see cref="Installed"/> until the reply carries them.
/// </summary>
internal sealed unsafe class ProcessCaller(int pid, SyncFileTable syncFiles) : IDrmCaller
{
    private readonly List<(int Fd, ulong Patch)> _installed = [];

    /// <inheritdoc/>
    public int Pid { get; } = pid;

    /// <inheritdoc/>
    public CancellationToken SignalPending { get; init; }

    /// <summary>The sync_file read ends to send with the reply, and where each fd number goes.</summary>
    public IReadOnlyList<(int Fd, ulong Patch)> Installed => _installed;

    /// <inheritdoc/>
    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return true;
        }
        fixed (byte* p = destination)
        {
            var local = new LibC.IoVec { Base = p, Length = (nuint)destination.Length };
            var remote = new LibC.IoVec { Base = (void*)address, Length = (nuint)destination.Length };
            return LibC.process_vm_readv(Pid, &local, 1, &remote, 1, 0) == destination.Length;
        }
    }

    /// <inheritdoc/>
    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return true;
        }
        fixed (byte* p = source)
        {
            var local = new LibC.IoVec { Base = p, Length = (nuint)source.Length };
            var remote = new LibC.IoVec { Base = (void*)address, Length = (nuint)source.Length };
            return LibC.process_vm_writev(Pid, &local, 1, &remote, 1, 0) == source.Length;
        }
    }

    /// <inheritdoc/>
    public DmaFence? GetSyncFileFence(int fd) => syncFiles.Lookup(Pid, fd);

    /// <inheritdoc/>
    public int InstallSyncFile(DmaFence fence, ulong patchAddress)
    {
        if (_installed.Count >= ShimProtocol.MaxFds)
        {
            return -24; // EMFILE: more new fds than one reply carries
        }
        int fd = syncFiles.Create(fence);
        if (fd < 0)
        {
            return fd;
        }
        _installed.Add((fd, patchAddress));
        return 0;
    }

    /// <inheritdoc/>
    public int GetDmaBuf(int fd, out DmaBuf? buf) => syncFiles.LookupDmaBuf(Pid, fd, out buf);

    /// <inheritdoc/>
    public int InstallDmaBuf(DmaBuf buf, ulong patchAddress)
    {
        if (_installed.Count >= ShimProtocol.MaxFds)
        {
            return -24; // EMFILE: more new fds than one reply carries
        }
        int fd = syncFiles.CreateDmaBuf(buf);
        if (fd < 0)
        {
            return fd;
        }
        _installed.Add((fd, patchAddress));
        return 0;
    }

    /// <summary>capable(): the calling process's effective capability set, read when the ioctl asks.</summary>
    public bool Capable(int capability) => Capabilities.Effective(Pid, capability);

    /// <summary>Closes the server's copies of the read ends (after the reply sent them, or when it failed).</summary>
    public void CloseInstalled()
    {
        foreach ((int fd, _) in _installed)
        {
            LibC.close(fd);
        }
        _installed.Clear();
    }
}
