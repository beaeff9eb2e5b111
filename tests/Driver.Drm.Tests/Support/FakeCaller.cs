using System.Buffers.Binary;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Prime;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Tests.Support;

/// <summary>
/// An IDrmCaller over a byte array: user memory at fake addresses from <see cref="Base"/> (anything outside is a
/// fault), and a fake descriptor table of sync_file fences. Out-fence descriptors are installed, and their numbers
/// patched into user memory, when the call completes (<see cref="CompleteCall"/>), as the server does once the ioctl
/// has returned and drm_ioctl has copied the argument back.
/// </summary>
public sealed class FakeCaller : IDrmCaller
{
    /// <summary>The first user address.</summary>
    public const ulong Base = 0x10_0000;

    private readonly byte[] _memory = new byte[8 << 20];
    private readonly Dictionary<int, DmaFence> _fds = new();
    private readonly List<(DmaFence Fence, ulong Patch)> _pending = new();
    private readonly Dictionary<int, DrmSyncobj> _syncobjFds = new();
    private readonly List<(DrmSyncobj Syncobj, ulong Patch)> _pendingSyncobjs = new();
    private readonly Dictionary<int, DmaBuf> _dmaBufs = new();
    private readonly List<(DmaBuf Buf, ulong Patch)> _pendingBufs = new();
    private ulong _next = Base;
    private int _nextFd = 100;

    /// <inheritdoc/>
    public int Pid => 4242;

    /// <summary>signal_pending for the calls made through this caller (a test cancels it to "deliver a signal").</summary>
    public CancellationToken SignalPending { get; set; }

    /// <summary>The capabilities this caller lacks (a process that dropped root): every other one is held.</summary>
    public HashSet<int> Lacks { get; } = new();

    /// <inheritdoc/>
    public bool Capable(int capability) => !Lacks.Contains(capability);

    /// <summary>When set, InstallSyncFile answers this errno (the sync_file cannot be made).</summary>
    public int InstallError { get; set; }

    /// <summary>When set, ReserveSyncFile answers this errno (a full descriptor table).</summary>
    public int ReserveError { get; set; }

    /// <inheritdoc/>
    public int ReserveSyncFile() => ReserveError;

    /// <summary>Allocates <paramref name="size"/> bytes of zeroed user memory (16-byte aligned).</summary>
    public ulong Alloc(int size)
    {
        ulong at = _next;
        _next += (ulong)((Math.Max(size, 1) + 15) & ~15);
        if (_next - Base > (ulong)_memory.Length)
        {
            throw new InvalidOperationException("fake user memory exhausted");
        }

        return at;
    }

    /// <summary>Copies <paramref name="data"/> into new user memory; returns its address.</summary>
    public ulong Put(ReadOnlySpan<byte> data)
    {
        ulong at = Alloc(data.Length);
        data.CopyTo(_memory.AsSpan((int)(at - Base)));
        return at;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="address"/>.</summary>
    public void Set(ulong address, ReadOnlySpan<byte> data) => data.CopyTo(_memory.AsSpan((int)(address - Base)));

    /// <summary>The bytes at <paramref name="address"/>.</summary>
    public byte[] Get(ulong address, int size) => _memory.AsSpan((int)(address - Base), size).ToArray();

    /// <summary>The u64 at <paramref name="address"/>.</summary>
    public ulong U64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(Get(address, 8));

    /// <summary>The s32 at <paramref name="address"/>.</summary>
    public int S32(ulong address) => BinaryPrimitives.ReadInt32LittleEndian(Get(address, 4));

    private bool InRange(ulong address, int length) =>
        address >= Base && address - Base <= (ulong)_memory.Length && (ulong)length <= (ulong)_memory.Length - (address - Base);

    /// <summary>Called with the address of every read of user memory before it is copied (to stop an ioctl mid-way).</summary>
    public Action<ulong>? OnRead { get; set; }

    /// <inheritdoc/>
    public bool TryRead(ulong address, Span<byte> destination)
    {
        OnRead?.Invoke(address);
        if (!InRange(address, destination.Length))
        {
            return false;
        }

        _memory.AsSpan((int)(address - Base), destination.Length).CopyTo(destination);
        return true;
    }

    /// <inheritdoc/>
    public bool TryWrite(ulong address, ReadOnlySpan<byte> source)
    {
        if (!InRange(address, source.Length))
        {
            return false;
        }

        source.CopyTo(_memory.AsSpan((int)(address - Base)));
        return true;
    }

    /// <inheritdoc/>
    public DmaFence? GetSyncFileFence(int fd) => _fds.TryGetValue(fd, out DmaFence? f) ? f : null;

    /// <inheritdoc/>
    public int InstallSyncFile(DmaFence fence, ulong patchAddress)
    {
        if (InstallError != 0)
        {
            return InstallError;
        }

        _pending.Add((fence, patchAddress));
        return 0;
    }

    /// <inheritdoc/>
    public DrmSyncobj? GetSyncobjFile(int fd) => _syncobjFds.TryGetValue(fd, out DrmSyncobj? s) ? s : null;

    /// <inheritdoc/>
    public int InstallSyncobjFile(DrmSyncobj syncobj, ulong patchAddress)
    {
        if (InstallError != 0)
        {
            return InstallError;
        }

        _pendingSyncobjs.Add((syncobj, patchAddress));
        return 0;
    }

    /// <inheritdoc/>
    public int GetDmaBuf(int fd, out DmaBuf? buf)
    {
        // dma_buf_get: an open descriptor that is no dma-buf (a sync_file here) is -EINVAL, none at all -EBADF.
        buf = _dmaBufs.TryGetValue(fd, out DmaBuf? b) ? b : null;
        return buf is not null ? 0 : _fds.ContainsKey(fd) || _syncobjFds.ContainsKey(fd) ? -Errno.EINVAL : -Errno.EBADF;
    }

    /// <inheritdoc/>
    public int InstallDmaBuf(DmaBuf buf, ulong patchAddress)
    {
        if (InstallError != 0)
        {
            return InstallError;
        }

        _pendingBufs.Add((buf, patchAddress));
        return 0;
    }

    /// <summary>The user ranges GEM_USERPTR shared (the shim would map the runs over each), in call order.</summary>
    public List<(ulong Address, IReadOnlyList<ArenaRun> Runs, IDisposable Hold)> Shared { get; } = new();

    /// <inheritdoc/>
    public int ShareUserRange(ulong address, IReadOnlyList<ArenaRun> runs, IDisposable hold)
    {
        Shared.Add((address, runs, hold));
        return 0;
    }

    /// <summary>close() of a descriptor (a sync_file, a syncobj fd or a dma-buf fd).</summary>
    public void Close(int fd)
    {
        _fds.Remove(fd);
        _syncobjFds.Remove(fd);
        _dmaBufs.Remove(fd);
    }

    /// <summary>The dma-buf behind descriptor <paramref name="fd"/>, or null.</summary>
    public DmaBuf? DmaBufOf(int fd) => _dmaBufs.TryGetValue(fd, out DmaBuf? b) ? b : null;

    /// <summary>Gives <paramref name="fence"/> a descriptor, as a sync_file made elsewhere.</summary>
    public int AddFence(DmaFence fence)
    {
        int fd = _nextFd++;
        _fds.Add(fd, fence);
        return fd;
    }

    /// <summary>The call returned: pending sync_files get descriptors, written where asked.</summary>
    public void CompleteCall(int ret)
    {
        if (ret == 0)
        {
            InstallPending(_pending, _fds);
            InstallPending(_pendingSyncobjs, _syncobjFds);
            InstallPending(_pendingBufs, _dmaBufs);
        }

        _pending.Clear();
        _pendingSyncobjs.Clear();
        _pendingBufs.Clear();
    }

    /// <summary>Gives each pending object the next descriptor in <paramref name="table"/> and writes its number where asked.</summary>
    private void InstallPending<T>(List<(T Obj, ulong Patch)> pending, Dictionary<int, T> table)
    {
        foreach ((T obj, ulong patch) in pending)
        {
            int fd = _nextFd++;
            table.Add(fd, obj);
            byte[] bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, fd);
            Set(patch, bytes);
        }
    }

    /// <summary>Whether <paramref name="fd"/> is an open sync_file.</summary>
    public bool HasFd(int fd) => _fds.ContainsKey(fd) || _dmaBufs.ContainsKey(fd);

    /// <summary>An address no mapping covers (a fault).</summary>
    public static ulong BadAddress => 0x8;

    /// <summary>-EFAULT, for asserting.</summary>
    public static int Efault => -Errno.EFAULT;
}
