using Driver.Core.Fences;
using Driver.Core.Prime;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Server;

/// <summary>
/// The process behind one shim request: its memory through process_vm_readv/writev (copy_from_user/copy_to_user; a
/// fault is a short transfer, answered -EFAULT by the driver), its sync_file, syncobj and dma-buf fds through the
/// server's tables. New fds wait in <see cref="Installed"/> until the reply carries them.
/// </summary>
internal sealed unsafe class ProcessCaller(int pid, SyncFileTable syncFiles, SyncobjFileTable? syncobjFiles = null) : IDrmCaller
{
    private readonly List<(int Fd, ulong Patch)> _installed = [];

    /// <summary>
    /// x86-64's largest TASK_SIZE_MAX (5-level paging; 0x7fff_ffff_f000 with 4 levels, where nothing is mapped
    /// between the two): the end of user space, less the guard page.
    /// </summary>
    private const ulong TaskSizeMax = 0x00ff_ffff_ffff_f000;

    /// <inheritdoc/>
    public int Pid { get; } = pid;

    /// <inheritdoc/>
    public CancellationToken SignalPending { get; init; }

    /// <summary>The sync_file and syncobj read ends to send with the reply, and where each fd number goes.</summary>
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
            if (LibC.process_vm_readv(Pid, &local, 1, &remote, 1, 0) == destination.Length)
            {
                return true;
            }
        }
        return ReadWriteOnly(address, destination);
    }

    /// <summary>
    /// copy_from_user succeeds on any x86 user mapping that is present, write- or exec-only ones included (the page
    /// tables cannot refuse a read of a writable page), but process_vm_readv wants VM_READ. So where it failed and
    /// every byte lies in a mapping with some access (/proc/pid/maps), the bytes come through /proc/pid/mem, whose
    /// forced access reads them; a PROT_NONE or unmapped byte is still a fault.
    /// </summary>
    private bool ReadWriteOnly(ulong address, Span<byte> destination)
    {
        ulong end = address + (ulong)destination.Length;
        // access_ok: nothing past TASK_SIZE_MAX is user memory, though maps lists the vsyscall page up there (and
        // /proc/pid/mem's offset is signed).
        if (end < address || end > TaskSizeMax || !Accessible(address, end))
        {
            return false;
        }
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle mem = File.OpenHandle($"/proc/{Pid}/mem", FileMode.Open, FileAccess.Read);
            return RandomAccess.Read(mem, destination, (long)address) == destination.Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The range GEM_USERPTR shares (<see cref="ShareUserRange"/>): the reply carries its runs and its address, and
    /// the shim maps them over the range; the hold rides as the mapping's token.
    /// </summary>
    public (ulong Address, IReadOnlyList<ArenaRun> Runs, IDisposable Hold)? Shared { get; private set; }

    /// <inheritdoc/>
    public bool IsMapped(ulong address, ulong length) =>
        address + length >= address && Covered(address, address + length, allowNone: true);

    /// <inheritdoc/>
    public int ShareUserRange(ulong address, IReadOnlyList<ArenaRun> runs, IDisposable hold)
    {
        if (Shared is not null || runs.Count > ShimProtocol.MaxRuns)
        {
            return -12; // ENOMEM: one shared range per call, of at most one reply's runs
        }
        ulong length = 0;
        foreach (ArenaRun run in runs)
        {
            length += (ulong)run.Length;
        }
        // The shim copies the range's bytes into the runs before it maps them over it: every page must read
        // (PROT_NONE would fault in the shim). A range that does not is left alone (the object is not shared).
        if (!Accessible(address, address + length))
        {
            hold.Dispose();
            return 0;
        }
        Shared = (address, runs, hold);
        return 0;
    }

    /// <summary>Whether mappings with r, w or x cover [<paramref name="start"/>, <paramref name="end"/>) without a gap.</summary>
    private bool Accessible(ulong start, ulong end) => Covered(start, end, allowNone: false);

    /// <summary>Whether mappings cover [<paramref name="start"/>, <paramref name="end"/>) without a gap (and, unless
    /// <paramref name="allowNone"/>, none of them PROT_NONE).</summary>
    private bool Covered(ulong start, ulong end, bool allowNone)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{Pid}/maps");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        ulong at = start;
        foreach (string line in lines)
        {
            // "start-end perms offset dev inode path", sorted by address.
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash < 0 || space < dash || line.Length < space + 4
                || !ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out ulong lo)
                || !ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out ulong hi))
            {
                continue;
            }
            if (hi <= at)
            {
                continue;
            }
            if (lo > at || (!allowNone && line.AsSpan(space + 1, 3).SequenceEqual("---")))
            {
                return false;
            }
            at = hi;
            if (at >= end)
            {
                return true;
            }
        }
        return false;
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
    public int InstallSyncFile(DmaFence fence, ulong patchAddress) =>
        ReplyFull ? -24 : Queue(syncFiles.Create(fence), patchAddress); // EMFILE: more new fds than one reply carries

    /// <inheritdoc/>
    public int ReserveSyncFile() => ReplyFull ? -24 : 0; // EMFILE: the reply already carries as many fds as it can

    /// <inheritdoc/>
    public DrmSyncobj? GetSyncobjFile(int fd) => syncobjFiles?.Lookup(Pid, fd);

    /// <inheritdoc/>
    public int InstallSyncobjFile(DrmSyncobj syncobj, ulong patchAddress)
    {
        if (syncobjFiles is null)
        {
            return -19; // ENODEV: this caller was made without a syncobj table
        }
        return ReplyFull ? -24 : Queue(syncobjFiles.Create(syncobj), patchAddress);
    }

    /// <inheritdoc/>
    public int GetDmaBuf(int fd, out DmaBuf? buf) => syncFiles.LookupDmaBuf(Pid, fd, out buf);

    /// <inheritdoc/>
    public int InstallDmaBuf(DmaBuf buf, ulong patchAddress) =>
        ReplyFull ? -24 : Queue(syncFiles.CreateDmaBuf(buf), patchAddress);

    /// <summary>Whether the reply already carries as many new fds as it can (installing one more is -EMFILE).</summary>
    private bool ReplyFull => _installed.Count >= ShimProtocol.MaxFds;

    /// <summary>Queues a new descriptor for the reply, or passes on the negative errno that creating it gave.</summary>
    private int Queue(int fd, ulong patchAddress)
    {
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
